package io.aigateway.metrics;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Holds template.yaml and {@link MetricName} together: every metric the dashboard (and any alarm) reads in namespace
 * {@value MetricName#NAMESPACE} must be one the gateway emits, with one of the dimension sets it emits. CloudWatch
 * shows an empty graph, not an error, for a misspelled metric or a dimension set nobody writes.
 *
 * <p>The template is read as text (CloudFormation short-form tags such as {@code !Sub} trip most YAML parsers).
 * Recognised references:
 * <ul>
 *   <li>SEARCH expressions: {@code SEARCH('{AIGateway,Gateway,Provider} MetricName="TokensIn"', 'Sum', 3600)};</li>
 *   <li>Metrics Insights queries: {@code SELECT SUM(Errors) FROM SCHEMA("AIGateway", Gateway)};</li>
 *   <li>dashboard metric arrays: {@code ["AIGateway", "Requests", "Gateway", "default", ...]} (and {@code "."}
 *       shorthand rows that follow one);</li>
 *   <li>YAML mappings (alarms, {@code MetricStat.Metric}) with {@code Namespace: AIGateway}, {@code MetricName: X}
 *       and {@code Dimensions: [- Name: ...]}.</li>
 * </ul>
 * A SEARCH or SCHEMA this test cannot read fails it, so a reference is never skipped silently.
 */
class TemplateDashboardTest {

    private static final Set<String> REQUIRED_ON_DASHBOARD =
            Set.of("Requests", "Errors", "Latency", "TimeToFirstByte", "TokensIn", "TokensOut");

    /** One metric read by the template: its name and the set of dimension names it is read with. */
    record MetricRef(String metric, Set<String> dimensions, String where) {
    }

    record Scan(List<MetricRef> refs, List<String> problems) {
    }

    // --- the real template ---------------------------------------------------------------------------------------

    @Test
    void dashboardAndAlarmsReadOnlyMetricsTheGatewayEmits() throws IOException {
        Scan scan = scan(Files.readString(templatePath()));

        assertTrue(scan.problems().isEmpty(), () -> "template.yaml:\n  " + String.join("\n  ", scan.problems()));
        assertFalse(scan.refs().isEmpty(), "found no AIGateway metric in template.yaml");
        assertEquals(List.of(), invalid(scan.refs()), "metric references that do not match MetricName");
    }

    @Test
    void dashboardShowsTheCoreMetrics() throws IOException {
        Scan scan = scan(Files.readString(templatePath()));
        Set<String> used = scan.refs().stream().map(MetricRef::metric).collect(Collectors.toSet());

        Set<String> missing = new TreeSet<>(REQUIRED_ON_DASHBOARD);
        missing.removeAll(used);
        assertTrue(missing.isEmpty(), "dashboard does not show " + missing);
    }

    // --- the checker itself: a misspelling must not pass --------------------------------------------------------

    @Test
    void misspelledMetricNameIsReported() {
        Scan scan = scan("""
                "expression": "SEARCH('{AIGateway,Gateway} MetricName=\\"Request\\"', 'Sum', 300)"
                """);
        assertEquals(List.of(), scan.problems());
        assertEquals(1, invalid(scan.refs()).size(), () -> "not reported: " + scan.refs());
    }

    @Test
    void dimensionSetTheGatewayDoesNotEmitIsReported() {
        Scan scan = scan("""
                "expression": "SEARCH('{AIGateway,Provider} MetricName=\\"TokensIn\\"', 'Sum', 3600)"
                [ "AIGateway", "Latency", "Gateway", "default", "Model", "gpt-4o-mini" ]
                """);
        assertEquals(List.of(), scan.problems());
        assertEquals(2, invalid(scan.refs()).size(), () -> "not reported: " + scan.refs());
    }

    @Test
    void misspelledNamespaceOrUnreadableSearchIsReported() {
        assertFalse(scan("SEARCH('{AIGatway,Gateway} MetricName=\"Requests\"', 'Sum', 300)").problems().isEmpty());
        assertFalse(scan("SEARCH('AIGateway Requests', 'Sum', 300)").problems().isEmpty());
        assertFalse(scan("SEARCH('{AIGateway,Gateway}', 'Sum', 300)").problems().isEmpty());
        assertTrue(scan("SEARCH('{AWS/Lambda,FunctionName} MetricName=\"Errors\"', 'Sum', 300)").problems().isEmpty());
    }

    @Test
    void readsEveryReferenceForm() {
        Scan scan = scan("""
                Resources:
                  ErrorsAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AIGateway
                      MetricName: Errorz
                      Dimensions:
                        - Name: Gateway
                          Value: default
                      Statistic: Sum
                  LambdaAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AWS/Lambda
                      MetricName: Throttles
                  InsightsAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Metrics:
                        - Id: q
                          Expression: SELECT SUM(StoreErrors) FROM SCHEMA("AIGateway", Gateway, Provider)
                body: |
                  [ "AIGateway", "TokensIn", "Gateway", "default", "Provider", "openai" ],
                  [ ".", "TokensOut", ".", ".", ".", "." ],
                  [ "AWS/Lambda", "Invocations", "FunctionName", "gateway" ],
                  [ ".", "Errors", ".", "." ]
                """);
        assertEquals(List.of(), scan.problems());
        Set<String> seen = scan.refs().stream()
                .map(r -> r.metric() + new TreeSet<>(r.dimensions()))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of("Errorz[Gateway]", "StoreErrors[Gateway, Provider]",
                "TokensIn[Gateway, Provider]", "TokensOut[Gateway, Provider]")), seen);
        assertEquals(List.of("Errorz"), invalid(scan.refs()).stream().map(MetricRef::metric).toList());
    }

    // --- extraction ----------------------------------------------------------------------------------------------

    private static final String NS = MetricName.NAMESPACE;

    /** {@code SEARCH(' ... '} : the search string, which holds no single quote. */
    private static final Pattern SEARCH = Pattern.compile("SEARCH\\(\\s*'([^']*)'");
    /** {@code {Namespace,Dim1,Dim2}} at the start of a search string: the schema, i.e. the exact dimension set. */
    private static final Pattern SEARCH_SCHEMA = Pattern.compile("\\{([^}]*)}");
    /** {@code MetricName="X"}, {@code MetricName=\"X\"} or {@code MetricName=X}. */
    private static final Pattern SEARCH_METRIC =
            Pattern.compile("MetricName\\s*=\\s*(?:\\\\?\")?([A-Za-z0-9_.\\-]+)");
    /** Metrics Insights: {@code SELECT SUM(X) FROM SCHEMA("AIGateway", Gateway, ...)}. */
    private static final Pattern INSIGHTS = Pattern.compile(
            "SELECT\\s+\\w+\\(\\s*(?:\\\\?\")?([A-Za-z0-9_]+)(?:\\\\?\")?\\s*\\)\\s+FROM\\s+SCHEMA\\(([^)]*)\\)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SCHEMA_CALL = Pattern.compile("SCHEMA\\(", Pattern.CASE_INSENSITIVE);
    /**
     * A JSON array starting with a string (a dashboard metric row is one), up to its closing bracket, options object
     * included. Every such array is read, so a {@code "."} row repeats the row just before it, whatever its namespace.
     */
    private static final Pattern METRIC_ARRAY = Pattern.compile("\\[\\s*(\\\\?\"[^\"\\\\]*\\\\?\"\\s*,[^\\]]*)]");
    private static final Pattern QUOTED = Pattern.compile("\\\\?\"((?:[^\"\\\\]|\\\\[^\"])*)\\\\?\"");
    private static final Pattern YAML_METRIC_NAME =
            Pattern.compile("^(\\s*(?:-\\s+)?)MetricName:\\s*[\"']?([A-Za-z0-9_.\\-]+)[\"']?\\s*(?:#.*)?$");

    static Scan scan(String template) {
        List<MetricRef> refs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        searchExpressions(template, refs, problems);
        insightsQueries(template, refs, problems);
        metricArrays(template, refs, problems);
        yamlMetrics(template, refs, problems);
        return new Scan(refs, problems);
    }

    private static void searchExpressions(String text, List<MetricRef> refs, List<String> problems) {
        int calls = count(text, Pattern.compile("SEARCH\\("));
        Matcher m = SEARCH.matcher(text);
        int read = 0;
        while (m.find()) {
            read++;
            String search = m.group(1);
            String where = "line " + lineOf(text, m.start()) + ": SEARCH('" + search + "')";
            Matcher schema = SEARCH_SCHEMA.matcher(search);
            if (!schema.find()) {
                problems.add(where + ": no {Namespace,Dimension,...} schema, so its dimension set is not exact");
                continue;
            }
            List<String> parts = splitNames(schema.group(1));
            String namespace = parts.isEmpty() ? "" : parts.get(0);
            if (namespace.startsWith("AWS/")) {
                continue; // AWS service metrics (Lambda, DynamoDB): not ours to check
            }
            if (!NS.equals(namespace)) {
                problems.add(where + ": namespace '" + namespace + "' is neither " + NS + " nor an AWS/ namespace");
                continue;
            }
            Set<String> dims = new LinkedHashSet<>(parts.subList(1, parts.size()));
            Matcher metric = SEARCH_METRIC.matcher(search);
            boolean any = false;
            while (metric.find()) {
                any = true;
                refs.add(new MetricRef(metric.group(1), dims, where));
            }
            if (!any) {
                problems.add(where + ": names no MetricName=\"...\"");
            }
        }
        if (read != calls) {
            problems.add(calls + " SEARCH( calls but only " + read + " have the form SEARCH('...', ...)");
        }
    }

    private static void insightsQueries(String text, List<MetricRef> refs, List<String> problems) {
        int calls = count(text, SCHEMA_CALL);
        Matcher m = INSIGHTS.matcher(text);
        int read = 0;
        while (m.find()) {
            read++;
            String where = "line " + lineOf(text, m.start()) + ": " + m.group();
            List<String> parts = splitNames(m.group(2));
            String namespace = parts.isEmpty() ? "" : parts.get(0);
            if (namespace.startsWith("AWS/")) {
                continue;
            }
            if (!NS.equals(namespace)) {
                problems.add(where + ": namespace '" + namespace + "' is neither " + NS + " nor an AWS/ namespace");
                continue;
            }
            refs.add(new MetricRef(m.group(1), new LinkedHashSet<>(parts.subList(1, parts.size())), where));
        }
        if (read != calls) {
            problems.add(calls + " SCHEMA( uses but only " + read + " have the form SELECT STAT(Metric) FROM SCHEMA(...)");
        }
    }

    private static void metricArrays(String text, List<MetricRef> refs, List<String> problems) {
        Matcher m = METRIC_ARRAY.matcher(text);
        List<String> previous = null;
        while (m.find()) {
            String body = m.group(1);
            int options = body.indexOf('{');
            List<String> items = new ArrayList<>();
            Matcher q = QUOTED.matcher(options < 0 ? body : body.substring(0, options));
            while (q.find()) {
                items.add(q.group(1));
            }
            String where = "line " + lineOf(text, m.start()) + ": [" + body.strip() + "]";
            if (items.isEmpty()) {
                continue;
            }
            if (".".equals(items.get(0))) {
                if (previous == null) {
                    problems.add(where + ": a \".\" row with no metric row before it");
                    continue;
                }
                for (int i = 0; i < items.size(); i++) {
                    if (".".equals(items.get(i)) && i < previous.size()) {
                        items.set(i, previous.get(i));
                    }
                }
            }
            previous = items;
            if (!NS.equals(items.get(0))) {
                continue;
            }
            if (items.size() < 2 || items.size() % 2 != 0) {
                problems.add(where + ": expected [namespace, metric, (dimension, value)...]");
                continue;
            }
            Set<String> dims = new LinkedHashSet<>();
            for (int i = 2; i < items.size(); i += 2) {
                dims.add(items.get(i));
            }
            refs.add(new MetricRef(items.get(1), dims, where));
        }
    }

    /**
     * YAML mappings holding {@code MetricName: X}: the sibling {@code Namespace} and {@code Dimensions} keys sit at
     * the same indentation, dimension names are the {@code Name:} entries of the Dimensions list.
     */
    private static void yamlMetrics(String text, List<MetricRef> refs, List<String> problems) {
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = YAML_METRIC_NAME.matcher(lines[i]);
            if (!m.matches()) {
                continue;
            }
            int column = m.group(1).length();
            // the mapping's lines: up to its "- " item start (or its parent), down to the first line left of it
            List<Integer> mapping = new ArrayList<>();
            if (!m.group(1).strip().startsWith("-")) {
                for (int j = i - 1; j >= 0; j--) {
                    if (blank(lines[j])) {
                        continue;
                    }
                    int indent = indent(lines[j]);
                    boolean itemStart = indent == column - 2 && lines[j].strip().startsWith("- ");
                    if (indent < column && !itemStart) {
                        break;
                    }
                    mapping.add(0, j);
                    if (itemStart) {
                        break;
                    }
                }
            }
            for (int j = i; j < lines.length; j++) {
                if (j > i && !blank(lines[j]) && indent(lines[j]) < column) {
                    break;
                }
                mapping.add(j);
            }
            String namespace = null;
            Set<String> dims = new LinkedHashSet<>();
            for (int n = 0; n < mapping.size(); n++) {
                String line = lines[mapping.get(n)];
                String key = keyAt(line, column);
                if ("Namespace".equals(key)) {
                    namespace = valueOf(line);
                } else if ("Dimensions".equals(key)) {
                    collectNames(line.substring(line.indexOf(':') + 1), dims); // flow style: [{Name: Gateway, ...}]
                    for (int k = n + 1; k < mapping.size(); k++) {
                        String item = lines[mapping.get(k)];
                        if (!blank(item) && indent(item) == column && !item.strip().startsWith("- ")) {
                            break; // the next key of the mapping
                        }
                        collectNames(item, dims);
                    }
                }
            }
            String where = "line " + (i + 1) + ": MetricName: " + m.group(2);
            if (namespace == null) {
                problems.add(where + ": no literal Namespace beside it, so it cannot be checked");
            } else if (NS.equals(namespace)) {
                refs.add(new MetricRef(m.group(2), dims, where));
            } else if (!namespace.startsWith("AWS/")) {
                problems.add(where + ": namespace '" + namespace + "' is neither " + NS + " nor an AWS/ namespace");
            }
        }
    }

    private static final Pattern YAML_DIMENSION_NAME = Pattern.compile("(?:^|[\\s{,-])Name:\\s*[\"']?([A-Za-z0-9_.\\-]+)");

    private static void collectNames(String text, Set<String> into) {
        if (blank(text)) {
            return;
        }
        Matcher name = YAML_DIMENSION_NAME.matcher(text);
        while (name.find()) {
            into.add(name.group(1));
        }
    }

    /** The key a line defines at {@code column} ({@code "Key: ..."} or {@code "- Key: ..."}), else null. */
    private static String keyAt(String line, int column) {
        if (blank(line) || line.length() <= column) {
            return null;
        }
        String before = line.substring(0, column).strip();
        String rest = line.substring(column);
        if (!(before.isEmpty() || before.equals("-")) || Character.isWhitespace(rest.charAt(0))) {
            return null;
        }
        int colon = rest.indexOf(':');
        return colon < 0 ? null : rest.substring(0, colon).strip();
    }

    private static String valueOf(String line) {
        String value = line.substring(line.indexOf(':') + 1).replaceAll("\\s+#.*$", "").strip();
        return value.replaceAll("^[\"']|[\"']$", "");
    }

    private static List<String> splitNames(String csv) {
        return Arrays.stream(csv.split(","))
                .map(s -> s.strip().replaceAll("^\\\\?[\"']|\\\\?[\"']$", "").strip())
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static boolean blank(String line) {
        String s = line.strip();
        return s.isEmpty() || s.startsWith("#");
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    private static int count(String text, Pattern p) {
        return (int) p.matcher(text).results().count();
    }

    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    // --- checking ------------------------------------------------------------------------------------------------

    /** References whose metric is not a {@link MetricName} or whose dimension set is not one of DIMENSION_SETS. */
    static List<MetricRef> invalid(List<MetricRef> refs) {
        Set<String> names = EnumSet.allOf(MetricName.class).stream().map(Enum::name).collect(Collectors.toSet());
        Set<Set<String>> dimensionSets = MetricName.DIMENSION_SETS.stream()
                .map(Set::copyOf)
                .collect(Collectors.toSet());
        return refs.stream()
                .filter(r -> !names.contains(r.metric()) || !dimensionSets.contains(Set.copyOf(r.dimensions())))
                .toList();
    }

    private static Path templatePath() {
        String root = System.getProperty("gateway.repo.root");
        Path base = root != null ? Path.of(root) : locateRepoRoot();
        Path template = base.resolve("template.yaml").normalize();
        assertTrue(Files.isRegularFile(template), "no template.yaml at " + template
                + " (surefire sets -Dgateway.repo.root to the repository root)");
        return template;
    }

    private static Path locateRepoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("template.yaml"))) {
                return dir;
            }
        }
        return Path.of("");
    }
}
