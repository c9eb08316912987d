package io.splitstream.devices.processor;

import io.splitstream.devices.catalog.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The catalogue models for tests: kept in the repository's git-ignored {@code models/} folder (or
 * where {@code splitstream.models} / {@code SPLITSTREAM_MODELS} point), fetched on first use.
 */
public final class TestModels {
  private TestModels() {}

  public static ModelStore store() {
    if (System.getProperty("splitstream.models") != null || System.getenv("SPLITSTREAM_MODELS") != null) {
      return ModelStore.defaultStore();
    }
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("devices/pom.xml"))) {
      dir = dir.getParent();
    }
    return new ModelStore((dir == null ? Paths.get("") : dir).resolve("models"), false);
  }

  /** The file of catalogue model {@code name}, fetched when missing. */
  public static Path path(String name) {
    return store().resolve(name);
  }
}
