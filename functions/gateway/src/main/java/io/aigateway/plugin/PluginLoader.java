package io.aigateway.plugin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Finds {@link GatewayPlugin}s with {@link ServiceLoader}: on the class path (in Lambda, a layer's jars under
 * {@code /opt/java/lib} are on it), and locally also in every jar of a directory ({@code --plugins DIR}). No other
 * scanning or reflection: a plug-in exists only if its jar lists it in
 * {@code META-INF/services/io.aigateway.plugin.GatewayPlugin}.
 */
public final class PluginLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PluginLoader.class);

    private PluginLoader() {
    }

    /** The plug-ins visible to {@code loader} (the gateway's own class loader in production). */
    public static PluginRegistry fromClassPath(ClassLoader loader) {
        return PluginRegistry.build(load(loader), PluginLoader::origin, null);
    }

    /** The class-path plug-ins plus those in every {@code *.jar} of {@code dir} (sorted by file name). */
    public static PluginRegistry fromDirectory(Path dir) {
        return fromDirectory(dir, PluginLoader.class.getClassLoader());
    }

    /**
     * @param parent the loader the plug-ins' jars delegate to first: the gateway's, so plug-ins share its SPI and
     *               libraries (Jackson, slf4j) instead of bringing their own copies
     * @throws IllegalStateException when {@code dir} is not a readable directory, a plug-in cannot be instantiated
     *                               or two share a name
     */
    public static PluginRegistry fromDirectory(Path dir, ClassLoader parent) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Plug-in directory " + dir + " does not exist or is not a directory.");
        }
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path jar : files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList()) {
                jars.add(jar.toUri().toURL());
            }
        } catch (MalformedURLException e) {
            throw new IllegalStateException("Plug-in jar path is not a URL: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list plug-in directory " + dir + ": " + e.getMessage(), e);
        }
        URLClassLoader loader = new URLClassLoader("gateway-plugins", jars.toArray(URL[]::new), parent);
        try {
            PluginRegistry registry = PluginRegistry.build(load(loader), PluginLoader::origin, loader);
            LOG.info("Loaded {} plug-in(s) from the class path and {} jar(s) in {}: {}", registry.names().size(),
                    jars.size(), dir, registry.names());
            return registry;
        } catch (RuntimeException e) {
            closeQuietly(loader);
            throw e;
        }
    }

    private static List<GatewayPlugin> load(ClassLoader loader) {
        List<GatewayPlugin> found = new ArrayList<>();
        try {
            for (GatewayPlugin plugin : ServiceLoader.load(GatewayPlugin.class, loader)) {
                found.add(plugin);
            }
        } catch (ServiceConfigurationError e) {
            // a listed class that is missing, not a GatewayPlugin, or whose constructor threw
            throw new IllegalStateException("A plug-in could not be loaded: " + e.getMessage(), e);
        }
        return found;
    }

    private static String origin(GatewayPlugin plugin) {
        Class<?> type = plugin.getClass();
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return type.getName() + (source == null || source.getLocation() == null ? "" : " (" + source.getLocation() + ")");
    }

    private static void closeQuietly(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException ignored) {
            // start-up is failing anyway; the original error matters
        }
    }
}
