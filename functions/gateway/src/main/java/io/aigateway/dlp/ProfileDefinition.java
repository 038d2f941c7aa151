package io.aigateway.dlp;

import java.util.List;

/**
 * An admin-defined profile, as the admin API receives it (a plain record: Jackson binds it as is). Compile it with
 * {@link DlpProfiles#compile(ProfileDefinition)}, which validates everything and reports all problems at once.
 *
 * @param name      profile name: lower-case letters, digits and '_', 1 to 40 chars, not a built-in profile's name
 * @param patterns  regexes (RE2 syntax: linear time, no backreferences or lookaround)
 * @param wordLists words or phrases matched case-insensitively as whole words
 */
public record ProfileDefinition(String name, List<PatternRule> patterns, List<WordList> wordLists) {
    public ProfileDefinition {
        patterns = patterns == null ? List.of() : patterns;
        wordLists = wordLists == null ? List.of() : wordLists;
    }

    /**
     * A regex detector. It matches inside one token: a run of at most {@value CustomEngine#TOKEN_MAX} chars without
     * whitespace or any of {@code "'`,;()[]{}<>}, so a pattern cannot span those (and a stream holds back at most one
     * token for it).
     *
     * @param name      the finding type: lower-case letters, digits and '_', 1 to 40 chars, not a built-in type
     * @param regex     RE2 syntax, must not match the empty string; if it has a capturing group, group 1 is the
     *                  value (validated and reported) and the rest of the match is context, e.g. {@code CARD:(\d{16})}
     * @param validator optional: one of {@link Validators#names()}; a match that fails it is dropped
     */
    public record PatternRule(String name, String regex, String validator) {
    }

    /**
     * A list of words or phrases (e.g. project code names).
     *
     * @param name  the finding type, as for {@link PatternRule#name()}
     * @param words 1 to 10,000 entries of 1 to 100 chars; a phrase may contain spaces
     */
    public record WordList(String name, List<String> words) {
        public WordList {
            words = words == null ? List.of() : words;
        }
    }
}
