package io.splitstream.pipeline.server;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The bearer token the control API's changes need: the one given with {@code --api-token}, or 32
 * random bytes (hex) generated at start and written to a file only this user can read (mode 0600,
 * in a directory of mode 0700), deleted when the run ends. Reads and {@code /metrics} need none.
 */
public final class ApiToken implements AutoCloseable {
  private final String value;
  private final Optional<Path> file;

  private ApiToken(String value, Optional<Path> file) {
    this.value = value;
    this.file = file;
  }

  /** The token a person gave; it must be at least 16 characters, without spaces. */
  public static ApiToken given(String token) {
    if (token == null || token.length() < 16 || token.chars().anyMatch(Character::isWhitespace)) {
      throw new SplitstreamException("--api-token must be at least 16 characters without spaces: give a longer one,"
          + " or leave it out to have one generated");
    }
    return new ApiToken(token, Optional.empty());
  }

  /** A fresh random token, written to a new file only this user can read. */
  public static ApiToken generate() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    try {
      Path file;
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Path dir = Files.createTempDirectory("splitstream-api-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        file = Files.createFile(dir.resolve("token"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        file = Files.createTempFile("splitstream-api-", ".token");
      }
      Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
      return new ApiToken(token, Optional.of(file));
    } catch (IOException e) {
      throw new SplitstreamException("cannot write the API token file in " + System.getProperty("java.io.tmpdir")
          + ": " + e.getMessage() + "; give one with --api-token instead", e);
    }
  }

  public String value() {
    return value;
  }

  /** The file the token was written to; empty for a given token. */
  public Optional<Path> file() {
    return file;
  }

  /** Where a person finds the token, for the line the run prints. */
  public String where() {
    return file.map(f -> "in " + f + " (readable only by you): Authorization: Bearer $(cat " + f + ")")
        .orElse("given with --api-token");
  }

  /** Deletes the generated file and its directory. Idempotent. */
  @Override
  public void close() {
    file.ifPresent(f -> {
      try {
        Files.deleteIfExists(f);
        Path dir = f.getParent();
        if (dir != null && dir.getFileName().toString().startsWith("splitstream-api-")) {
          Files.deleteIfExists(dir);
        }
      } catch (IOException e) {
        // a token file left behind is harmless once the run is gone: the token opens nothing
      }
    });
  }
}
