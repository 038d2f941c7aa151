package io.aigateway.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * DynamoDB Local stores data through sqlite4java, which needs a JNI library on disk. The jar carries the
 * Linux x86-64 and macOS (x86-64) builds of sqlite4java 1.0.392 under {@code /native/}; this copies the one
 * for the running OS into a temporary folder (deleted at exit) and names it in the system properties read
 * by sqlite4java ({@value #SQLITE4JAVA_PATH}) and by DynamoDB Local 3.x's own loader
 * ({@value #DDB_LOCAL_PATH}, {@value #DDB_LOCAL_NAME}), so that exactly this file is loaded.
 *
 * <p>Elsewhere (Apple silicon, Linux on ARM, Windows) nothing is set and DynamoDB Local 3.x falls back to
 * the libraries inside its own jar, which cover those platforms too. A folder given with
 * {@code -Dsqlite4java.library.path} that holds the library wins over the bundled copy.
 */
final class NativeLibraries {
    static final String SQLITE4JAVA_PATH = "sqlite4java.library.path";
    static final String DDB_LOCAL_PATH = "org.sqlite.lib.path";
    static final String DDB_LOCAL_NAME = "org.sqlite.lib.name";

    private NativeLibraries() {
    }

    static void prepareSqlite4java() {
        if (System.getProperty(DDB_LOCAL_PATH) != null) {
            return; // chosen by the user
        }
        String fileName = bundledFileName(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
        if (fileName == null) {
            return;
        }
        String configured = System.getProperty(SQLITE4JAVA_PATH);
        if (configured != null && !configured.isBlank() && Files.isRegularFile(Path.of(configured, fileName))) {
            use(configured, fileName);
            return;
        }
        try (InputStream in = NativeLibraries.class.getResourceAsStream("/native/" + fileName)) {
            if (in == null) {
                return; // a build without the bundle: leave it to DynamoDB Local
            }
            Path dir = Files.createTempDirectory("gateway-local-native-");
            Path lib = dir.resolve(fileName);
            dir.toFile().deleteOnExit(); // registered first, so deleted after the file
            Files.copy(in, lib);
            lib.toFile().deleteOnExit();
            use(dir.toString(), fileName);
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract the sqlite4java native library", e);
        }
    }

    private static void use(String dir, String fileName) {
        System.setProperty(SQLITE4JAVA_PATH, dir);
        System.setProperty(DDB_LOCAL_PATH, dir);
        System.setProperty(DDB_LOCAL_NAME, fileName);
    }

    /** The bundled library for this platform, or {@code null} when this jar carries none for it. */
    static String bundledFileName(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        if ((os.startsWith("mac") || os.startsWith("darwin")) && x64) {
            return "libsqlite4java-osx.dylib"; // i386 + x86_64 universal binary; no arm64 slice
        }
        if (os.startsWith("linux") && x64) {
            return "libsqlite4java-linux-amd64.so";
        }
        return null;
    }
}
