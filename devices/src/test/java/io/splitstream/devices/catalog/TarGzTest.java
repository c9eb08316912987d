package io.splitstream.devices.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzTest {
  @TempDir Path dir;

  private static final String LONG = "package/" + "models/".repeat(16) + "face_detection_short_range.tflite";

  @Test
  void readsEntriesNamedByUstarGnuLongNamesAndPaxHeaders() throws IOException {
    Path pax = archive("pax.tgz", TarArchiveOutputStream.LONGFILE_POSIX);
    Path gnu = archive("gnu.tgz", TarArchiveOutputStream.LONGFILE_GNU);
    for (Path a : new Path[] {pax, gnu}) {
      assertThat(TarGz.read(a, "package/package.json")).hasValueSatisfying(
          b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"x\"}"));
      assertThat(TarGz.read(a, LONG)).as("long name in %s", a.getFileName()).hasValueSatisfying(
          b -> assertThat(b).hasSize(70_000).startsWith((byte) 7));
      assertThat(TarGz.read(a, "package/ümlaut-model.onnx")).as("non-ASCII name in %s", a.getFileName())
          .hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
      assertThat(TarGz.read(a, "package/absent")).isEmpty();
    }
  }

  @Test
  void aFileThatIsNotAGzipArchiveFails() throws IOException {
    Path junk = Files.writeString(dir.resolve("junk.tgz"), "not gzip at all");
    assertThatThrownBy(() -> TarGz.read(junk, "package/x")).isInstanceOf(IOException.class);
  }

  private Path archive(String fileName, int longFileMode) throws IOException {
    Path f = dir.resolve(fileName);
    try (OutputStream out = Files.newOutputStream(f);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out),
            StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(longFileMode);
      tar.setAddPaxHeadersForNonAsciiNames(longFileMode == TarArchiveOutputStream.LONGFILE_POSIX);
      put(tar, "package/package.json", "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8));
      byte[] big = new byte[70_000];
      java.util.Arrays.fill(big, (byte) 7);
      put(tar, LONG, big);
      put(tar, "package/ümlaut-model.onnx", new byte[] {1, 2, 3});
    }
    return f;
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] body) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(body.length);
    tar.putArchiveEntry(e);
    tar.write(body);
    tar.closeArchiveEntry();
  }
}
