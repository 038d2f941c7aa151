package io.aigateway.dlp;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The profiles a {@link Scanner} can be asked for: the four built-ins, plus any custom ones added with
 * {@link #with(CustomProfile)}. Immutable; {@code with} returns a new registry.
 */
public final class DlpProfiles {
    public static final String FINANCIAL = BuiltinType.FINANCIAL;
    public static final String GOVERNMENT_ID = BuiltinType.GOVERNMENT_ID;
    public static final String CONTACT = BuiltinType.CONTACT;
    public static final String CREDENTIALS = BuiltinType.CREDENTIALS;
    /** Names of the built-in profiles. */
    public static final Set<String> BUILT_IN = Set.of(FINANCIAL, GOVERNMENT_ID, CONTACT, CREDENTIALS);

    static final int MAX_PATTERNS = 100;
    static final int MAX_WORDS = 10_000;
    static final int MAX_WORD_LENGTH = 100;
    static final int MAX_REGEX_LENGTH = 1_000;

    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,39}");
    private static final Set<String> BUILT_IN_TYPES = EnumSet.allOf(BuiltinType.class).stream()
            .map(t -> t.type).collect(Collectors.toUnmodifiableSet());

    private final Map<String, Profile> profiles;

    private DlpProfiles(Map<String, Profile> profiles) {
        this.profiles = Collections.unmodifiableMap(profiles);
    }

    /** A registry with the built-in profiles only. */
    public static DlpProfiles builtIns() {
        Map<String, Profile> m = new LinkedHashMap<>();
        for (String p : List.of(FINANCIAL, GOVERNMENT_ID, CONTACT, CREDENTIALS)) {
            Set<String> types = EnumSet.allOf(BuiltinType.class).stream().filter(t -> t.profile.equals(p))
                    .map(t -> t.type).collect(Collectors.toUnmodifiableSet());
            m.put(p, new Profile.BuiltIn(p, types));
        }
        return new DlpProfiles(m);
    }

    /** This registry plus a custom profile; its name must not be taken. */
    public DlpProfiles with(CustomProfile profile) {
        if (profiles.containsKey(profile.name())) {
            throw new IllegalArgumentException("profile '" + profile.name() + "' already exists");
        }
        Map<String, Profile> m = new LinkedHashMap<>(profiles);
        m.put(profile.name(), profile);
        return new DlpProfiles(m);
    }

    public Optional<Profile> get(String name) {
        return Optional.ofNullable(profiles.get(name));
    }

    public Set<String> names() {
        return profiles.keySet();
    }

    /** A scanner over these profiles. */
    public Scanner scanner() {
        return new Scanner(this);
    }

    /**
     * Validates and compiles a custom profile definition.
     *
     * @throws DlpDefinitionException listing every problem found (for a 400 from the admin API)
     */
    public static CustomProfile compile(ProfileDefinition def) {
        List<String> problems = new ArrayList<>();
        if (def == null) {
            throw new DlpDefinitionException(List.of("definition is missing"));
        }
        String name = def.name();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add("name must be 1-40 chars of a-z, 0-9 and '_', starting with a letter (got "
                    + quote(name) + ")");
        } else if (BUILT_IN.contains(name)) {
            problems.add("name '" + name + "' is a built-in profile");
        }
        if (def.patterns().isEmpty() && def.wordLists().isEmpty()) {
            problems.add("define at least one pattern or word list");
        }
        if (def.patterns().size() > MAX_PATTERNS) {
            problems.add("at most " + MAX_PATTERNS + " patterns (got " + def.patterns().size() + ")");
        }
        Set<String> seen = new HashSet<>();
        List<CustomProfile.CompiledPattern> patterns = new ArrayList<>();
        for (int k = 0; k < def.patterns().size(); k++) {
            ProfileDefinition.PatternRule r = def.patterns().get(k);
            String where = "patterns[" + k + "]";
            if (r == null) {
                problems.add(where + " is null");
                continue;
            }
            checkType(r.name(), where, seen, problems);
            Predicate<CharSequence> validator = null;
            if (r.validator() != null && !r.validator().isBlank()) {
                validator = Validators.byName(r.validator()).orElse(null);
                if (validator == null) {
                    problems.add(where + ".validator '" + r.validator() + "' is unknown; known: "
                            + String.join(", ", Validators.names()));
                }
            }
            if (r.regex() == null || r.regex().isEmpty()) {
                problems.add(where + ".regex is missing");
                continue;
            }
            if (r.regex().length() > MAX_REGEX_LENGTH) {
                problems.add(where + ".regex is longer than " + MAX_REGEX_LENGTH + " chars");
                continue;
            }
            try {
                Pattern p = Pattern.compile(r.regex());
                if (p.matcher("").find()) {
                    problems.add(where + ".regex matches the empty string");
                } else {
                    patterns.add(new CustomProfile.CompiledPattern(r.name(), p, validator));
                }
            } catch (PatternSyntaxException e) {
                problems.add(where + ".regex is not valid RE2 syntax: " + e.getMessage());
            }
        }
        List<CustomProfile.Phrase> phrases = new ArrayList<>();
        int words = 0;
        for (int k = 0; k < def.wordLists().size(); k++) {
            ProfileDefinition.WordList l = def.wordLists().get(k);
            String where = "wordLists[" + k + "]";
            if (l == null) {
                problems.add(where + " is null");
                continue;
            }
            checkType(l.name(), where, seen, problems);
            if (l.words().isEmpty()) {
                problems.add(where + ".words is empty");
            }
            words += l.words().size();
            Set<String> unique = new HashSet<>();
            for (int w = 0; w < l.words().size(); w++) {
                String word = l.words().get(w);
                if (word == null || word.isBlank()) {
                    problems.add(where + ".words[" + w + "] is blank");
                } else if (word.strip().length() > MAX_WORD_LENGTH) {
                    problems.add(where + ".words[" + w + "] is longer than " + MAX_WORD_LENGTH + " chars");
                } else if (unique.add(word.strip().toLowerCase(java.util.Locale.ROOT))) {
                    phrases.add(new CustomProfile.Phrase(l.name(), word.strip()));
                }
            }
        }
        if (words > MAX_WORDS) {
            problems.add("at most " + MAX_WORDS + " words in all (got " + words + ")");
        }
        if (!problems.isEmpty()) {
            throw new DlpDefinitionException(problems);
        }
        return new CustomProfile(name, patterns, phrases, seen);
    }

    private static void checkType(String type, String where, Set<String> seen, List<String> problems) {
        if (type == null || !NAME.matcher(type).matches()) {
            problems.add(where + ".name must be 1-40 chars of a-z, 0-9 and '_', starting with a letter (got "
                    + quote(type) + ")");
        } else if (BUILT_IN_TYPES.contains(type)) {
            problems.add(where + ".name '" + type + "' is a built-in finding type");
        } else if (!seen.add(type)) {
            problems.add(where + ".name '" + type + "' is used twice");
        }
    }

    private static String quote(String s) {
        return s == null ? "nothing" : "'" + s + "'";
    }

    @Override
    public String toString() {
        return "DlpProfiles" + profiles.keySet();
    }
}
