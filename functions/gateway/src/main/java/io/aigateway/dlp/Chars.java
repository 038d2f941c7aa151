package io.aigateway.dlp;

/** ASCII character classes used by the detectors; non-ASCII never belongs to a detector's token. */
final class Chars {
    /** Returned for reads outside the text: belongs to no token class, so it ends every token. */
    static final char NONE = '\0';

    private Chars() {
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    static boolean isAsciiLetter(char c) {
        return isUpper(c) || isLower(c);
    }

    static boolean isAsciiAlnum(char c) {
        return isDigit(c) || isAsciiLetter(c);
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** Letters and digits of any script, and '_': a neighbour that joins a token into a longer word. */
    static boolean isWord(char c) {
        return c < 128 ? isAsciiAlnum(c) || c == '_' : Character.isLetterOrDigit(c);
    }

    /** Characters of an e-mail local part (the unquoted RFC 5322 subset seen in practice). */
    static boolean isLocal(char c) {
        return isAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
    }

    /** base64url alphabet: API keys, JWT segments. */
    static boolean isKey(char c) {
        return isAsciiAlnum(c) || c == '_' || c == '-';
    }

    /** Standard base64 alphabet without padding: AWS secret keys. */
    static boolean isB64(char c) {
        return isAsciiAlnum(c) || c == '+' || c == '/';
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0x0B || c == 0x3000
                || c == 0x00A0 || (c > 0x2000 && c <= 0x200A);
    }

    static char lowerAscii(char c) {
        return isUpper(c) ? (char) (c + 32) : c;
    }
}
