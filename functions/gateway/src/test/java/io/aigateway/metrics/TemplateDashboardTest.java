package io.aigateway.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 * {@value MetricName#NAMESPACE} must be one that is emitted, with one of the dimension sets its emitter writes. Two
 * emitters share the namespace (see {@link #EMITTERS}): the gateway ({@link MetricName}, dimension sets
 * {@link MetricName#DIMENSION_SETS}) and the log ingest function ({@link MetricName.Ingest}, no dimensions). A
 * gateway metric read without dimensions, or an ingest metric read with a Gateway dimension, is as wrong as a
 * misspelling: CloudWatch shows an empty graph, not an error, for a metric or a dimension set nobody writes.
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
 *
 * <p>And the reverse direction: every metric of both emitters (and every dimension set each emitter writes) is read
 * somewhere on the dashboard, so a newly emitted metric cannot be forgotten there; every
 * {@code AWS::CloudWatch::Alarm} reads only emitted metrics with emitted dimension sets, through references this
 * test can read (a {@code MetricName: !Ref ...} or an alarm with no visible metric fails it).
 */
class TemplateDashboardTest {

    private static final Set<String> REQUIRED_ON_DASHBOARD =
            Set.of("Requests", "Errors", "Latency", "TimeToFirstByte", "TokensIn", "TokensOut");

    /** One metric read by the template: its name and the set of dimension names it is read with. */
    record MetricRef(String metric, Set<String> dimensions, String where) {
    }

    /** What one emitter writes to the namespace: these metric names, each with every one of these dimension sets. */
    record Emitter(List<String> metrics, List<List<String>> dimensionSets) {
        boolean emits(MetricRef ref) {
            return metrics.contains(ref.metric())
                    && dimensionSets.stream().anyMatch(set -> Set.copyOf(set).equals(Set.copyOf(ref.dimensions())));
        }
    }

    /**
     * The two emitters of namespace {@value MetricName#NAMESPACE}: the gateway ({@link MetricName}) and the log
     * ingest function ({@link MetricName.Ingest}).
     */
    static final List<Emitter> EMITTERS = List.of(
            new Emitter(Arrays.stream(MetricName.values()).map(Enum::name).toList(), MetricName.DIMENSION_SETS),
            new Emitter(Arrays.stream(MetricName.Ingest.values()).map(Enum::name).toList(),
                    MetricName.Ingest.DIMENSION_SETS));

    record Scan(List<MetricRef> refs, List<String> problems) {
    }

    // --- the real template ---------------------------------------------------------------------------------------

    @Test
    void dashboardAndAlarmsReadOnlyMetricsTheGatewayEmits() throws IOException {
        Scan scan = scan(Files.readString(templatePath()));

        assertTrue(scan.problems().isEmpty(), () -> "template.yaml:\n  " + String.join("\n  ", scan.problems()));
        assertFalse(scan.refs().isEmpty(), "found no AIGateway metric in template.yaml");
        assertEquals(List.of(), invalid(scan.refs()),
                "metric references that match neither MetricName nor MetricName.Ingest");
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

    // --- the reverse direction: nothing emitted is left off the dashboard, every alarm is held to MetricName -----

    private static final String DASHBOARD = "AWS::CloudWatch::Dashboard";
    private static final String ALARM = "AWS::CloudWatch::Alarm";

    @Test
    void everyEmittedMetricAndDimensionSetIsReadOnTheDashboard() throws IOException {
        Map<String, String> dashboards = resourcesOfType(Files.readString(templatePath()), DASHBOARD);
        assertFalse(dashboards.isEmpty(), "no " + DASHBOARD + " in template.yaml");
        Scan scan = scan(String.join("\n", dashboards.values()));

        assertTrue(scan.problems().isEmpty(), () -> "dashboard:\n  " + String.join("\n  ", scan.problems()));
        assertEquals(List.of(), notOnDashboard(scan.refs()),
                "emitted metrics (MetricName, MetricName.Ingest) that no dashboard widget reads with an emitted"
                        + " dimension set");
        assertEquals(List.of(), dimensionSetsNotOnDashboard(scan.refs()),
                "emitted dimension sets that no dashboard widget reads");
    }

    @Test
    void everyAlarmReadsAnEmittedMetricWithAnEmittedDimensionSet() throws IOException {
        Map<String, String> alarms = resourcesOfType(Files.readString(templatePath()), ALARM);
        assertFalse(alarms.isEmpty(), "no " + ALARM + " in template.yaml");
        List<String> problems = new ArrayList<>();
        alarms.forEach((id, text) -> problems.addAll(alarmProblems(id, text)));

        assertEquals(List.of(), problems, "alarms not held to MetricName");
    }

    @Test
    void dashboardBodyIsJsonWithWidgetsOnTheGrid() throws IOException {
        Map<String, String> dashboards = resourcesOfType(Files.readString(templatePath()), DASHBOARD);
        assertFalse(dashboards.isEmpty(), "no " + DASHBOARD + " in template.yaml");
        for (Map.Entry<String, String> dashboard : dashboards.entrySet()) {
            JsonNode body = new ObjectMapper().readTree(substituted(dashboardBody(dashboard.getValue())));
            JsonNode widgets = body.path("widgets");
            assertTrue(widgets.isArray() && !widgets.isEmpty(), dashboard.getKey() + ": no widgets");
            Map<List<Integer>, String> cells = new HashMap<>();
            for (JsonNode w : widgets) {
                String title = w.path("type").asText() + " '" + w.path("properties").path("title").asText() + "'";
                int x = w.path("x").asInt(-1), y = w.path("y").asInt(-1);
                int width = w.path("width").asInt(-1), height = w.path("height").asInt(-1);
                assertTrue(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= 24,
                        dashboard.getKey() + ": " + title + " is off the 24-column grid");
                for (int cx = x; cx < x + width; cx++) {
                    for (int cy = y; cy < y + height; cy++) {
                        String other = cells.put(List.of(cx, cy), title);
                        assertEquals(null, other, dashboard.getKey() + ": " + title + " overlaps " + other);
                    }
                }
            }
        }
    }

    // --- the reverse checks themselves: a forgotten metric or an unchecked alarm must not pass ---------------------

    @Test
    void metricRowWithASubstitutedDimensionValueIsRead() {
        Scan scan = scan("""
                [ "AIGateway", "Errors", "Gateway", "${AlarmGatewayId}", { "id": "gwerr", "stat": "Sum" } ],
                [ "AIGateway", "Latency", "Gateway", "${AlarmGatewayId}", "Model", "${Model}" ]
                """);
        assertEquals(List.of(), scan.problems());
        assertEquals(List.of("Errors[Gateway]", "Latency[Gateway, Model]"),
                scan.refs().stream().map(r -> r.metric() + new TreeSet<>(r.dimensions())).toList());
        assertEquals(List.of("Latency"), invalid(scan.refs()).stream().map(MetricRef::metric).toList());
    }

    @Test
    void metricOrDimensionSetMissingFromTheDashboardIsReported() {
        Scan scan = scan("""
                "expression": "SEARCH('{AIGateway,Gateway} MetricName=\\"Requests\\"', 'Sum', 300)"
                "expression": "SEARCH('{AIGateway,Gateway,Provider} MetricName=\\"Errors\\"', 'Sum', 300)"
                "expression": "SEARCH('{AIGateway,Provider} MetricName=\\"Latency\\"', 'p99', 300)"
                """);
        assertEquals(List.of(), scan.problems());
        List<String> missing = notOnDashboard(scan.refs());

        assertFalse(missing.contains("Requests") || missing.contains("Errors"), () -> "shown but reported: " + missing);
        assertTrue(missing.contains("Latency"), "read only with a dimension set nobody emits, so not shown: " + missing);
        assertEquals(MetricName.values().length + MetricName.Ingest.values().length - 2, missing.size(),
                () -> "missing: " + missing);
        assertTrue(missing.containsAll(List.of("RecordsIngested", "RecordsParked", "IngestDuplicates")),
                () -> "ingest metrics not read but not reported: " + missing);
        assertEquals(List.of(List.of("Gateway", "Provider", "Model"), List.of()),
                dimensionSetsNotOnDashboard(scan.refs()));
    }

    @Test
    void eachEmitterIsHeldToItsOwnDimensionSets() {
        Scan scan = scan("""
                [ "AIGateway", "RecordsIngested", { "id": "ingested", "stat": "Sum" } ],
                [ "AIGateway", "RecordsParked", "Gateway", "default" ],
                "expression": "SEARCH('{AIGateway} MetricName=\\"Requests\\"', 'Sum', 300)"
                "expression": "SEARCH('{AIGateway,Gateway} MetricName=\\"RecordsEmitted\\"', 'Sum', 300)"
                Resources:
                  DuplicatesAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AIGateway
                      MetricName: IngestDuplicates
                      Statistic: Sum
                """);
        assertEquals(List.of(), scan.problems());
        assertEquals(5, scan.refs().size(), () -> "not all read: " + scan.refs());
        assertEquals(List.of("RecordsParked[Gateway]", "Requests[]"), invalid(scan.refs()).stream()
                .map(r -> r.metric() + new TreeSet<>(r.dimensions())).sorted().toList());

        Scan shown = scan("""
                [ "AIGateway", "RecordsIngested", { "stat": "Sum" } ],
                [ "AIGateway", "RecordsParked", "Gateway", "default" ]
                """);
        List<String> missing = notOnDashboard(shown.refs());
        assertTrue(missing.containsAll(List.of("RecordsParked", "IngestDuplicates")), () -> "not reported: " + missing);
        assertFalse(missing.contains("RecordsIngested"), () -> "read without dimensions, yet reported: " + missing);
        assertFalse(dimensionSetsNotOnDashboard(shown.refs()).contains(List.of()), "[] is read by RecordsIngested");
    }

    @Test
    void alarmThatIsNotHeldToMetricNameIsReported() {
        Map<String, String> alarms = resourcesOfType("""
                Parameters:
                  NotAResource:
                    Type: String
                Resources:
                  GoodAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AIGateway
                      MetricName: StoreErrors
                      Dimensions:
                        - Name: Gateway
                          Value: !Ref AlarmGatewayId
                  GoodMathAlarm:
                    Type: "AWS::CloudWatch::Alarm"
                    Properties:
                      Metrics:
                        - Id: rate
                          Expression: 100 * errors / requests
                        - Id: errors
                          MetricStat:
                            Metric:
                              Namespace: AIGateway
                              MetricName: Errors
                              Dimensions:
                                - Name: Gateway
                                  Value: default
                            Stat: Sum
                  ProviderOnlyAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AIGateway
                      MetricName: Cost
                      Dimensions:
                        - Name: Provider
                          Value: openai
                  NoDimensionMathAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Metrics:
                        - Id: errors
                          MetricStat:
                            Metric:
                              Namespace: AIGateway
                              MetricName: Errors
                            Stat: Sum
                  RefNameAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AIGateway
                      MetricName: !Ref WatchedMetric
                      Dimensions:
                        - Name: Gateway
                          Value: default
                  MisspelledAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AIGateway
                      MetricName: Latncy
                      Dimensions:
                        - Name: Gateway
                          Value: default
                  LambdaAlarm:
                    Type: AWS::CloudWatch::Alarm
                    Properties:
                      Namespace: AWS/Lambda
                      MetricName: Throttles
                  Table:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      BillingMode: PAY_PER_REQUEST
                Outputs:
                  Out:
                    Value: x
                """, ALARM);
        assertEquals(List.of("GoodAlarm", "GoodMathAlarm", "ProviderOnlyAlarm", "NoDimensionMathAlarm", "RefNameAlarm",
                "MisspelledAlarm", "LambdaAlarm"), List.copyOf(alarms.keySet()));

        Map<String, List<String>> problems = new LinkedHashMap<>();
        alarms.forEach((id, text) -> problems.put(id, alarmProblems(id, text)));
        for (String ok : List.of("GoodAlarm", "GoodMathAlarm", "LambdaAlarm")) {
            assertEquals(List.of(), problems.get(ok), ok);
        }
        for (String bad : List.of("ProviderOnlyAlarm", "NoDimensionMathAlarm", "RefNameAlarm", "MisspelledAlarm")) {
            assertFalse(problems.get(bad).isEmpty(), bad + " not reported");
        }
    }

    @Test
    void dashboardBodyIsReadAndSubstitutedLikeSub() {
        String resource = """
                  Dash:
                    Type: AWS::CloudWatch::Dashboard
                    Properties:
                      DashboardBody: !Sub |
                        { "a": "${AWS::Region}", "n": ${Threshold},
                          "label": "${!PROP('Dim.Gateway')}" }
                      DashboardName: x
                """;
        String body = substituted(dashboardBody(resource));
        assertEquals("{ \"a\": \"0\", \"n\": 0,\n  \"label\": \"${PROP('Dim.Gateway')}\" }\n", body);
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
            int options = optionsStart(body);
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
     * Where a metric row's options object starts: the first {@code {} outside a quoted item, so a {@code !Sub} value
     * such as {@code "${AlarmGatewayId}"} stays one item. -1 if there is none.
     */
    private static int optionsStart(String row) {
        boolean quoted = false;
        for (int i = 0; i < row.length(); i++) {
            char c = row.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '{' && !quoted) {
                return i;
            }
        }
        return -1;
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

    /**
     * References that no emitter writes: a name neither in {@link MetricName} nor in {@link MetricName.Ingest}, or a
     * dimension set that the metric's own emitter does not write.
     */
    static List<MetricRef> invalid(List<MetricRef> refs) {
        return refs.stream().filter(r -> EMITTERS.stream().noneMatch(e -> e.emits(r))).toList();
    }

    // --- resources, reverse checks ---------------------------------------------------------------------------------

    /** A resource's logical id at two spaces under {@code Resources:}. */
    private static final Pattern RESOURCE_ID = Pattern.compile("^  ([A-Za-z0-9]+):\\s*(?:#.*)?$");
    private static final Pattern RESOURCE_TYPE = Pattern.compile("^    Type:\\s*[\"']?([A-Za-z0-9:]+)[\"']?\\s*(?:#.*)?$");

    /** The text of every resource of {@code type} (its logical id line down to the next resource), by logical id. */
    static Map<String, String> resourcesOfType(String template, String type) {
        Map<String, String> found = new LinkedHashMap<>();
        String id = null;
        String resourceType = null;
        StringBuilder block = null;
        boolean inResources = false;
        for (String line : (template + "\nEnd:").split("\\R", -1)) {
            boolean topLevel = !line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#");
            Matcher start = RESOURCE_ID.matcher(line);
            if (topLevel || (inResources && start.matches())) {
                if (id != null && type.equals(resourceType)) {
                    found.put(id, block.toString());
                }
                id = null;
                resourceType = null;
                block = null;
                if (topLevel) {
                    inResources = line.startsWith("Resources:");
                    continue;
                }
                id = start.group(1);
                block = new StringBuilder();
            }
            if (block != null) {
                block.append(line).append('\n');
                Matcher t = RESOURCE_TYPE.matcher(line);
                if (resourceType == null && t.matches()) {
                    resourceType = t.group(1);
                }
            }
        }
        return found;
    }

    /** References that are emitted names with emitted dimension sets. */
    private static List<MetricRef> valid(List<MetricRef> refs) {
        List<MetricRef> invalid = invalid(refs);
        return refs.stream().filter(r -> !invalid.contains(r)).toList();
    }

    /**
     * Every emitted metric (gateway first, then ingest, each in enum order) not read with an emitted dimension set by
     * {@code dashboardRefs}.
     */
    static List<String> notOnDashboard(List<MetricRef> dashboardRefs) {
        Set<String> read = valid(dashboardRefs).stream().map(MetricRef::metric).collect(Collectors.toSet());
        return EMITTERS.stream().flatMap(e -> e.metrics().stream()).filter(n -> !read.contains(n)).toList();
    }

    /** Every dimension set an emitter writes that no reference to one of that emitter's metrics reads. */
    static List<List<String>> dimensionSetsNotOnDashboard(List<MetricRef> dashboardRefs) {
        List<List<String>> missing = new ArrayList<>();
        for (Emitter e : EMITTERS) {
            Set<Set<String>> read = dashboardRefs.stream()
                    .filter(r -> e.metrics().contains(r.metric()))
                    .map(r -> Set.copyOf(r.dimensions()))
                    .collect(Collectors.toSet());
            e.dimensionSets().stream().filter(set -> !read.contains(Set.copyOf(set))).forEach(missing::add);
        }
        return missing;
    }

    private static final Pattern AWS_NAMESPACE =
            Pattern.compile("Namespace:\\s*[\"']?AWS/|SCHEMA\\(\\s*\\\\?\"AWS/", Pattern.CASE_INSENSITIVE);

    /**
     * What keeps one alarm from being checked against MetricName: scan problems, a {@code MetricName:} that is not a
     * literal name (a {@code !Ref} would otherwise be skipped silently), a metric or dimension set no emitter writes,
     * or no readable metric at all (unless the alarm watches an AWS/ namespace).
     */
    static List<String> alarmProblems(String id, String alarm) {
        List<String> problems = new ArrayList<>();
        Scan scan = scan(alarm);
        scan.problems().forEach(p -> problems.add(id + ": " + p));
        String[] lines = alarm.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("MetricName:") && !YAML_METRIC_NAME.matcher(lines[i]).matches()) {
                problems.add(id + " line " + (i + 1) + ": not a literal metric name: " + lines[i].strip());
            }
        }
        for (MetricRef r : invalid(scan.refs())) {
            problems.add(id + ": " + r.metric() + " with dimensions " + r.dimensions()
                    + " is not an emitted metric with an emitted dimension set (" + r.where() + ")");
        }
        if (scan.refs().isEmpty() && !AWS_NAMESPACE.matcher(alarm).find()) {
            problems.add(id + ": reads no " + NS + " metric this test can see (literal Namespace, MetricName and"
                    + " Dimensions, or SELECT ... FROM SCHEMA(\"" + NS + "\", ...))");
        }
        return problems;
    }

    private static final Pattern DASHBOARD_BODY = Pattern.compile("^(\\s*)DashboardBody:\\s*!Sub\\s*\\|[-+]?\\s*$");

    /** The literal block of {@code DashboardBody: !Sub |}, dedented. */
    static String dashboardBody(String resource) {
        String[] lines = resource.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = DASHBOARD_BODY.matcher(lines[i]);
            if (!m.matches()) {
                continue;
            }
            List<String> body = new ArrayList<>();
            for (int j = i + 1; j < lines.length && (lines[j].isBlank() || indent(lines[j]) > m.group(1).length()); j++) {
                body.add(lines[j]);
            }
            while (!body.isEmpty() && body.get(body.size() - 1).isBlank()) {
                body.remove(body.size() - 1);
            }
            int margin = body.stream().filter(l -> !l.isBlank()).mapToInt(TemplateDashboardTest::indent).min().orElse(0);
            StringBuilder out = new StringBuilder();
            body.forEach(l -> out.append(l.isBlank() ? "" : l.substring(margin)).append('\n'));
            return out.toString();
        }
        throw new AssertionError("no 'DashboardBody: !Sub |' block in:\n" + resource);
    }

    /** What {@code !Sub} leaves: {@code ${Name}} becomes a value (0: valid as a JSON number and inside a string), {@code ${!X}} becomes {@code ${X}}. */
    static String substituted(String sub) {
        return sub.replaceAll("\\$\\{(?!!)[^}]*}", "0").replace("${!", "${");
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
