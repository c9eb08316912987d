package io.splitstream.devices.tflite;

import io.splitstream.devices.io.OutputFiles;
import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Loads TFLite's JNI library without DJL's engine: DJL's {@code LibUtils} extracts it only when its
 * {@code TfLiteEngine} starts (and may try to download it unless {@code ai.djl.offline} is set),
 * while {@code org.tensorflow.lite.Interpreter} itself just calls native methods and expects the
 * library to be loaded already. So Splitstream extracts {@code native/lib/libtensorflowlite_jni.so}
 * from the {@code tflite-native-cpu} jar on the classpath into a cache folder, keyed by the
 * library's SHA-256, and {@link System#load}s it before the first interpreter is built. This works
 * offline and from a plain {@code java -cp}.
 *
 * <p>The cache folder is system property {@code splitstream.native} if set, else
 * {@code ~/.cache/splitstream/native}. System property {@code splitstream.tflite.lib} names a
 * library file to load instead. Thread-safe; loads at most once per JVM.
 */
public final class TfliteNative {
  static final String RESOURCE = "native/lib/libtensorflowlite_jni.so";
  private static volatile Path loaded;

  private TfliteNative() {}

  /**
   * Makes sure the library is loaded; returns the file it was loaded from.
   *
   * @throws SplitstreamException when the native jar is missing or the library cannot be loaded
   */
  public static Path ensureLoaded() {
    Path p = loaded;
    if (p != null) {
      return p;
    }
    synchronized (TfliteNative.class) {
      if (loaded == null) {
        Path lib = locate();
        try {
          System.load(lib.toAbsolutePath().toString());
        } catch (UnsatisfiedLinkError e) {
          throw new SplitstreamException("could not load the TFLite native library " + lib + ": " + e.getMessage()
              + "; it needs glibc Linux x86_64 (set splitstream.tflite.lib to a libtensorflowlite_jni.so built for this host)", e);
        }
        loaded = lib;
      }
      return loaded;
    }
  }

  private static Path locate() {
    String override = System.getProperty("splitstream.tflite.lib");
    if (override != null && !override.isBlank()) {
      Path p = Paths.get(override);
      if (!Files.isRegularFile(p)) {
        throw new SplitstreamException("splitstream.tflite.lib names " + override + ", which is not a file: fix the path or unset it");
      }
      return p;
    }
    byte[] bytes;
    try (InputStream in = TfliteNative.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new SplitstreamException("the TFLite native library (" + RESOURCE + ") is not on the classpath: add "
            + "ai.djl.tflite:tflite-native-cpu:2.6.2 with classifier linux-x86_64");
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new SplitstreamException("could not read " + RESOURCE + " from the classpath: " + e.getMessage(), e);
    }
    String prop = System.getProperty("splitstream.native");
    Path base = prop != null && !prop.isBlank() ? Paths.get(prop)
        : Paths.get(System.getProperty("user.home"), ".cache", "splitstream", "native");
    Path dir = base.resolve("tflite-" + sha256(bytes).substring(0, 16));
    Path target = dir.resolve("libtensorflowlite_jni.so");
    try {
      if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
        return target;
      }
      OutputFiles.write(target, bytes);
      return target;
    } catch (IOException e) {
      throw new SplitstreamException("could not extract the TFLite native library to " + dir + ": " + e.getMessage()
          + "; set -Dsplitstream.native to a writable folder", e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JRE", e);
    }
  }
}
