package io.aigateway.plugin;

/** Wording shared by the outcome types. */
final class Outcomes {
    private Outcomes() {
    }

    /** "Request blocked by hook 'moderation': <message>", the text of the 403. */
    static String clientMessage(String what, String by, String message) {
        int colon = by.indexOf(':');
        String kind = colon < 0 ? by : by.substring(0, colon).equals("plugin") ? "plug-in" : by.substring(0, colon);
        String name = colon < 0 ? "" : " '" + by.substring(colon + 1) + "'";
        return what + " blocked by " + kind + name + (message == null || message.isEmpty() ? "." : ": " + message);
    }
}
