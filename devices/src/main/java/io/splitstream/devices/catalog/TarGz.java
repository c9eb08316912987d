package io.splitstream.devices.catalog;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads one entry out of a gzip-compressed tar archive, the format {@code npm pack} writes, through
 * Apache Commons Compress: ustar prefixes, GNU long names and pax extended headers (long or
 * non-ASCII paths, large sizes) are all read as tar defines them.
 */
final class TarGz {
  private TarGz() {}

  /**
   * The bytes of the regular file named {@code name}, or empty when the archive has none.
   *
   * @throws IOException when the file is not a gzip-compressed tar archive or is truncated
   */
  static Optional<byte[]> read(Path archive, String name) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
        TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile() && e.getName().equals(name)) {
          return Optional.of(tar.readAllBytes());
        }
      }
      return Optional.empty();
    }
  }
}
