package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PluginLoader} on real jars: each test compiles a plug-in class that exists nowhere on the test class path,
 * packs it with its {@code META-INF/services} entry into a jar in a temporary directory, and loads that directory.
 */
class PluginLoaderTest {
    @TempDir
    Path tmp;

    private static String source(String pkg, String cls, String name, String blockWord) {
        return "package " + pkg + ";\n"
                + "import io.aigateway.plugin.*;\n"
                + "public final class " + cls + " implements GatewayPlugin {\n"
                + "  public String name() { return \"" + name + "\"; }\n"
                + "  public RequestDecision onRequest(PluginRequest r) {\n"
                + "    return r.body().text().contains(\"" + blockWord + "\") ? RequestDecision.block(\"" + blockWord
                + "\") : RequestDecision.allow().annotate(\"loaded\", \"yes\");\n"
                + "  }\n"
                + "}\n";
    }

    /** Compiles one plug-in class against the gateway's classes and writes {@code dir/<jarName>}. */
    private Path pluginJar(Path dir, String jarName, String pkg, String cls, String source) throws IOException {
        Path src = tmp.resolve("src-" + jarName).resolve(pkg.replace('.', '/'));
        Files.createDirectories(src);
        Path file = src.resolve(cls + ".java");
        Files.writeString(file, source);
        Path out = tmp.resolve("classes-" + jarName);
        Files.createDirectories(out);
        String classPath = codeSource(GatewayPlugin.class) + java.io.File.pathSeparator + codeSource(JsonNode.class)
                + java.io.File.pathSeparator + codeSource(io.aigateway.core.Json.class);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, System.err, "-proc:none", "--release", "21", "-cp", classPath,
                "-d", out.toString(), file.toString());
        assertEquals(0, rc, "compiling the test plug-in");
        Files.createDirectories(dir);
        Path jar = dir.resolve(jarName);
        try (JarOutputStream jos = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> classes = Files.walk(out)) {
            for (Path c : classes.filter(Files::isRegularFile).toList()) {
                jos.putNextEntry(new JarEntry(out.relativize(c).toString().replace('\\', '/')));
                Files.copy(c, jos);
                jos.closeEntry();
            }
            jos.putNextEntry(new JarEntry("META-INF/services/" + GatewayPlugin.class.getName()));
            OutputStream o = jos;
            o.write((pkg + "." + cls + "\n").getBytes(StandardCharsets.UTF_8));
            jos.closeEntry();
        }
        return jar;
    }

    private static String codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void loadsAPluginFromAJarInADirectory() throws Exception {
        Path dir = tmp.resolve("plugins");
        pluginJar(dir, "word-block.jar", "example.wordblock", "WordBlock", source("example.wordblock", "WordBlock",
                "word-block", "forbidden"));
        Files.writeString(dir.resolve("README.txt"), "not a jar: ignored");
        try (PluginRegistry registry = PluginLoader.fromDirectory(dir)) {
            assertTrue(registry.names().contains("word-block"), registry.names().toString());
            assertTrue(registry.origin("word-block").contains("word-block.jar"), registry.origin("word-block"));
            GatewayPlugin plugin = registry.find("word-block").orElseThrow();
            assertEquals("gateway-plugins", plugin.getClass().getClassLoader().getName());

            PluginRunner runner = PluginRunner.create(List.of(new PluginSettings("word-block", null, null, null)),
                    List.of(), registry, null);
            assertEquals("yes", runner.onRequest(Fixtures.request()).annotations().get("plugin.word-block.loaded"));
            RequestOutcome.Blocked b = assertInstanceOf(RequestOutcome.Blocked.class,
                    runner.onRequest(Fixtures.request("{\"messages\":[{\"content\":\"a forbidden word\"}]}")));
            assertEquals("plugin:word-block", b.by());
        }
    }

    @Test
    void twoPluginsWithOneNameStopTheStart() throws Exception {
        Path dir = tmp.resolve("dupes");
        pluginJar(dir, "a.jar", "example.a", "First", source("example.a", "First", "same-name", "x"));
        pluginJar(dir, "b.jar", "example.b", "Second", source("example.b", "Second", "same-name", "y"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PluginLoader.fromDirectory(dir));
        assertTrue(e.getMessage().contains("Two plug-ins are named 'same-name'"), e.getMessage());
        assertTrue(e.getMessage().contains("example.a.First") && e.getMessage().contains("example.b.Second"),
                e.getMessage());
    }

    @Test
    void anInvalidNameStopsTheStart() throws Exception {
        Path dir = tmp.resolve("badname");
        pluginJar(dir, "c.jar", "example.c", "Shouty", source("example.c", "Shouty", "Not Valid", "x"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PluginLoader.fromDirectory(dir));
        assertTrue(e.getMessage().contains("invalid name 'Not Valid'"), e.getMessage());
    }

    @Test
    void aListedClassThatCannotBeLoadedStopsTheStart() throws Exception {
        Path dir = tmp.resolve("broken");
        Files.createDirectories(dir);
        try (JarOutputStream jos = new JarOutputStream(Files.newOutputStream(dir.resolve("broken.jar")))) {
            jos.putNextEntry(new JarEntry("META-INF/services/" + GatewayPlugin.class.getName()));
            jos.write("example.Missing\n".getBytes(StandardCharsets.UTF_8));
            jos.closeEntry();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PluginLoader.fromDirectory(dir));
        assertTrue(e.getMessage().contains("example.Missing"), e.getMessage());
    }

    @Test
    void aMissingDirectoryIsAStartError() {
        assertThrows(IllegalStateException.class, () -> PluginLoader.fromDirectory(tmp.resolve("nope")));
    }

    @Test
    void findsPluginsOnTheClassPathAsInLambda() throws Exception {
        // in Lambda a layer's jars under /opt/java/lib are on the function's class path: same loader, no directory
        Path jar = pluginJar(tmp.resolve("opt-java-lib"), "layer.jar", "example.layer", "FromLayer",
                source("example.layer", "FromLayer", "from-layer", "x"));
        try (java.net.URLClassLoader classPath = new java.net.URLClassLoader(
                new java.net.URL[]{jar.toUri().toURL()}, getClass().getClassLoader())) {
            PluginRegistry registry = PluginLoader.fromClassPath(classPath);
            assertEquals("example.layer.FromLayer", registry.find("from-layer").orElseThrow().getClass().getName());
        }
    }
}
