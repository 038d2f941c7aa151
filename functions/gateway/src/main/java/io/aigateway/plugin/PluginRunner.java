package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one gateway's plug-ins and hooks for a phase and folds them into one outcome. Built once per settings
 * version ({@link #create}: each plug-in is configured there, once) and shared by that gateway's requests.
 *
 * <p>Order in each phase: the phase's plug-ins in the order listed (each sees the previous one's changes), then
 * every check hook at once (the first blocker in list order wins, whichever answered first), then the modify hooks
 * one by one in list order (each sees the previous body). The first block ends the phase.
 *
 * <p>Failures never escape: a plug-in's exception is logged with its stack trace, a hook's timeout, error status or
 * unreadable answer is logged; then the entry's {@code fail} decides. Closed: the phase ends blocked, naming the
 * plug-in or hook. Open: it is skipped and an {@code <source>.error} annotation records why.
 *
 * <p>Blocking calls: run it on the request's (virtual) thread.
 */
public final class PluginRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PluginRunner.class);
    private static final PluginRunner NONE = new PluginRunner(List.of(), List.of(), List.of(), null);

    /** A plug-in entry with its configured instance, or why it has none (then it fails as its entry says). */
    private record Entry(PluginSettings settings, GatewayPlugin.Configured instance, String problem) {
        String by() {
            return "plugin:" + settings.name();
        }

        String prefix() {
            return "plugin." + settings.name() + ".";
        }
    }

    private final List<Entry> requestPlugins;
    private final List<Entry> responsePlugins;
    private final List<HookSettings> hooks;
    private final HookClient client;

    private PluginRunner(List<Entry> requestPlugins, List<Entry> responsePlugins, List<HookSettings> hooks,
                         HookClient client) {
        this.requestPlugins = requestPlugins;
        this.responsePlugins = responsePlugins;
        this.hooks = hooks;
        this.client = client;
    }

    /** Nothing to run: every phase proceeds unchanged. */
    public static PluginRunner none() {
        return NONE;
    }

    /**
     * Configures the entries' plug-ins. Never throws for a plug-in that is missing or now refuses its config (a
     * layer changed since the settings were saved): that entry then fails at run time as its {@code fail} says.
     *
     * @param client shared by every gateway of the process; may be null when {@code hooks} is empty
     */
    public static PluginRunner create(List<PluginSettings> plugins, List<HookSettings> hooks,
                                      PluginRegistry registry, HookClient client) {
        if (plugins.isEmpty() && hooks.isEmpty()) {
            return NONE;
        }
        if (!hooks.isEmpty()) {
            Objects.requireNonNull(client, "a HookClient is needed to run hooks");
        }
        List<Entry> onRequest = new ArrayList<>();
        List<Entry> onResponse = new ArrayList<>();
        for (PluginSettings p : plugins) {
            Entry entry;
            try {
                entry = new Entry(p, registry.configure(p.name(), p.config()), null);
            } catch (RuntimeException | LinkageError e) {
                LOG.error("Plug-in '{}' cannot be configured; its entry will fail {}", p.name(), p.fail().label(), e);
                entry = new Entry(p, null, "not available (" + e.getClass().getSimpleName() + ")");
            }
            (p.at() == PluginPoint.BEFORE_CACHE ? onRequest : onResponse).add(entry);
        }
        return new PluginRunner(List.copyOf(onRequest), List.copyOf(onResponse), List.copyOf(hooks), client);
    }

    /** True when the request phase has anything to run (the caller may skip building a {@link PluginRequest}). */
    public boolean runsOnRequest() {
        return !requestPlugins.isEmpty() || hooks.stream().anyMatch(h -> h.on().covers(HookPhase.REQUEST));
    }

    public boolean runsOnResponse() {
        return !responsePlugins.isEmpty() || hooks.stream().anyMatch(h -> h.on().covers(HookPhase.RESPONSE));
    }

    /** The request phase (plug-ins {@code at: before_cache}, hooks {@code on: request|both}). */
    public RequestOutcome onRequest(PluginRequest request) {
        if (!runsOnRequest()) {
            return new RequestOutcome.Proceed(RequestEdits.NONE, java.util.Map.of());
        }
        RequestRun run = new RequestRun(request);
        run.run(requestPlugins, hooksFor(HookPhase.REQUEST));
        return run.blockedBy == null
                ? new RequestOutcome.Proceed(run.edits.build(), run.notes.result())
                : new RequestOutcome.Blocked(run.blockedBy, run.message, run.notes.result());
    }

    /**
     * The answer phase of a buffered answer (plug-ins {@code at: after_response}, hooks {@code on: response|both}).
     *
     * @throws IllegalArgumentException for a streamed answer: use {@link #afterStream}
     */
    public ResponseOutcome onResponse(PluginResponse response) {
        if (response.streamed()) {
            throw new IllegalArgumentException("a streamed answer was already sent: use afterStream");
        }
        if (!runsOnResponse()) {
            return new ResponseOutcome.Proceed(ResponseEdits.NONE, java.util.Map.of());
        }
        ResponseRun run = new ResponseRun(response);
        run.run(responsePlugins, hooksFor(HookPhase.RESPONSE));
        return run.blockedBy == null
                ? new ResponseOutcome.Proceed(new ResponseEdits(run.body, run.addHeaders), run.notes.result())
                : new ResponseOutcome.Blocked(run.blockedBy, run.message, run.notes.result());
    }

    /**
     * The answer phase of a streamed answer, once its last byte was sent, on what the gateway captured of it. Only
     * annotations and a flag come out: a block (or a closed failure) flags the answer, which must then not be
     * cached; a modify is noted as ignored.
     *
     * @throws IllegalArgumentException for a buffered answer: use {@link #onResponse}
     */
    public StreamedOutcome afterStream(PluginResponse response) {
        if (!response.streamed()) {
            throw new IllegalArgumentException("a buffered answer can still be changed: use onResponse");
        }
        if (!runsOnResponse()) {
            return new StreamedOutcome(Optional.empty(), null, java.util.Map.of());
        }
        ResponseRun run = new ResponseRun(response);
        run.run(responsePlugins, hooksFor(HookPhase.RESPONSE));
        return new StreamedOutcome(Optional.ofNullable(run.blockedBy), run.message, run.notes.result());
    }

    private List<HookSettings> hooksFor(HookPhase phase) {
        return hooks.stream().filter(h -> h.on().covers(phase)).toList();
    }

    /** One phase of one request: the loop shared by both phases; subclasses know their subject. */
    private abstract class Run {
        final Annotations.Collector notes = new Annotations.Collector();
        String blockedBy;
        String message;

        abstract Object decide(GatewayPlugin.Configured plugin);

        /** Applies a plug-in's decision; returns false when it blocked (after setting {@link #block}). */
        abstract boolean apply(Entry entry, Object decision);

        abstract CompletableFuture<HookAnswer> call(HookSettings hook);

        abstract void replaceBody(String by, JsonNode body);

        final void run(List<Entry> plugins, List<HookSettings> phaseHooks) {
            for (Entry entry : plugins) {
                if (!runPlugin(entry)) {
                    return;
                }
            }
            List<HookSettings> checks = phaseHooks.stream().filter(h -> h.mode() == HookMode.CHECK).toList();
            // start every check before waiting on any: they overlap, so the phase waits for the slowest, not the sum
            List<CompletableFuture<HookAnswer>> answers = checks.stream().map(this::call).toList();
            boolean go = true;
            for (int i = 0; i < checks.size(); i++) {
                HookSettings hook = checks.get(i);
                HookAnswer answer = answers.get(i).join();
                if (go) {
                    go = applyHook(hook, answer);
                }
            }
            if (!go) {
                return;
            }
            for (HookSettings hook : phaseHooks) {
                if (hook.mode() == HookMode.MODIFY && !applyHook(hook, call(hook).join())) {
                    return;
                }
            }
        }

        private boolean runPlugin(Entry entry) {
            if (entry.instance() == null) {
                return failed(entry.by(), entry.prefix(), entry.settings().fail(), entry.problem());
            }
            Object decision;
            try {
                decision = Objects.requireNonNull(decide(entry.instance()), "the plug-in returned no decision");
                return apply(entry, decision);
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                LOG.warn("Plug-in '{}' failed (fail {})", entry.settings().name(), entry.settings().fail().label(), e);
                return failed(entry.by(), entry.prefix(), entry.settings().fail(), "failed (" + e.getClass().getSimpleName() + ")");
            }
        }

        private boolean applyHook(HookSettings hook, HookAnswer answer) {
            String by = "hook:" + hook.id();
            String prefix = "hook." + hook.id() + ".";
            notes.addAll(prefix, answer.annotations());
            return switch (answer) {
                case HookAnswer.Allow a -> true;
                case HookAnswer.Block b -> block(by, b.message());
                case HookAnswer.Modify m -> {
                    replaceBody(by, m.body());
                    yield true;
                }
                case HookAnswer.Failed f -> {
                    LOG.warn("Hook '{}' ({}) failed: {} (fail {})", hook.id(), hook.url(), f.reason(), hook.fail().label());
                    yield failed(by, prefix, hook.fail(), "failed (" + f.reason() + ")");
                }
            };
        }

        /** A failure: blocks when closed, else notes it and goes on. */
        final boolean failed(String by, String prefix, FailMode fail, String what) {
            if (fail == FailMode.CLOSED) {
                return block(by, what + " and is set to fail closed");
            }
            notes.add(prefix + "error", what);
            return true;
        }

        final boolean block(String by, String why) {
            blockedBy = by;
            message = why;
            return false;
        }
    }

    private final class RequestRun extends Run {
        final RequestEdits.Builder edits = new RequestEdits.Builder();
        PluginRequest current;

        RequestRun(PluginRequest request) {
            this.current = request;
        }

        @Override
        Object decide(GatewayPlugin.Configured plugin) {
            return plugin.onRequest(current);
        }

        @Override
        boolean apply(Entry entry, Object decision) {
            RequestDecision d = (RequestDecision) decision;
            notes.addAll(entry.prefix(), d.annotations());
            return switch (d) {
                case RequestDecision.Allow a -> true;
                case RequestDecision.Block b -> block(entry.by(), b.message());
                case RequestDecision.Modify m -> {
                    JsonNode body = m.body();
                    if (body != null) {
                        replaceBody(entry.by(), body);
                    }
                    edits.remove(m.removeHeaders());
                    edits.set(m.setHeaders());
                    Headers.Builder seen = current.headers().toBuilder();
                    m.removeHeaders().forEach(seen::remove);
                    m.setHeaders().forEach(seen::set);
                    current = current.withHeaders(seen.build()); // the record withholds credentials again
                    yield true;
                }
            };
        }

        @Override
        CompletableFuture<HookAnswer> call(HookSettings hook) {
            return client.request(hook, current);
        }

        @Override
        void replaceBody(String by, JsonNode body) {
            byte[] bytes = json(body);
            edits.body(bytes);
            current = current.withBody(PluginBody.of(bytes, "application/json"));
        }
    }

    private final class ResponseRun extends Run {
        final java.util.Map<String, String> addHeaders = new java.util.LinkedHashMap<>();
        PluginResponse current;
        byte[] body;

        ResponseRun(PluginResponse response) {
            this.current = response;
        }

        @Override
        Object decide(GatewayPlugin.Configured plugin) {
            return plugin.onResponse(current);
        }

        @Override
        boolean apply(Entry entry, Object decision) {
            ResponseDecision d = (ResponseDecision) decision;
            notes.addAll(entry.prefix(), d.annotations());
            return switch (d) {
                case ResponseDecision.Allow a -> true;
                case ResponseDecision.Block b -> block(entry.by(), b.message());
                case ResponseDecision.Modify m -> {
                    if (current.streamed()) {
                        notes.add(entry.prefix() + "ignored", "modify after stream");
                    } else {
                        JsonNode newBody = m.body();
                        if (newBody != null) {
                            replaceBody(entry.by(), newBody);
                        }
                        addHeaders.putAll(m.addHeaders());
                    }
                    yield true;
                }
            };
        }

        @Override
        CompletableFuture<HookAnswer> call(HookSettings hook) {
            return client.response(hook, current);
        }

        @Override
        void replaceBody(String by, JsonNode newBody) {
            if (current.streamed()) {
                notes.add(by.replace(':', '.') + ".ignored", "modify after stream");
                return;
            }
            body = json(newBody);
            current = current.withBody(PluginBody.of(body, "application/json"));
        }
    }

    private static byte[] json(JsonNode body) {
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
