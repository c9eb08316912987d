package io.splitstream.devices.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {
  @TempDir Path dir;

  @Test
  void replacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("sub/table.json");
    OutputFiles.writeString(target, "one");
    OutputFiles.writeString(target, "two");
    assertThat(target).hasContent("two");
    assertThat(names(target.getParent())).containsExactly("table.json");
  }

  @Test
  void aFailedWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("video.mp4");
    OutputFiles.writeString(target, "old");
    assertThatThrownBy(() -> OutputFiles.replace(target, ".part", tmp -> {
      Files.writeString(tmp, "half");
      throw new IOException("encoder failed");
    })).hasMessage("encoder failed");
    assertThat(target).hasContent("old");
    assertThat(names(dir)).containsExactly("video.mp4");
  }

  /** Files.createTempFile would leave rw------- on a report others are meant to read. */
  @Test
  void theTargetGetsTheUsualPermissionsNotATemporaryFilesOwnerOnlyOnes() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
    Path written = dir.resolve("written.txt");
    OutputFiles.writeString(written, "x");
    assertThat(Files.getPosixFilePermissions(written)).isEqualTo(Files.getPosixFilePermissions(plain))
        .contains(PosixFilePermission.OWNER_READ);
  }

  @Test
  void probesSayWhatIsWrongAndLeaveNothing() throws IOException {
    assertThatThrownBy(() -> OutputFiles.checkWritableFile(Path.of(""), "--report"))
        .isInstanceOf(SplitstreamException.class).hasMessage("--report is empty; give --report a file in a writable folder");
    assertThatThrownBy(() -> OutputFiles.checkWritableFile(dir, "--json")).hasMessageContaining("is a folder");
    Path file = Files.writeString(dir.resolve("f"), "x");
    assertThatThrownBy(() -> OutputFiles.checkWritableDir(file, "--out")).hasMessageContaining("is a file, not a folder");
    OutputFiles.checkWritableFile(dir.resolve("new/report.json"), "--report");
    assertThat(names(dir.resolve("new"))).isEmpty();
  }

  @Test
  void reasonsAreWordsNotClassNames() {
    assertThat(OutputFiles.reason(new AccessDeniedException("/x"))).isEqualTo("/x: permission denied");
    assertThat(OutputFiles.reason(new java.nio.file.FileSystemException("/proc/x", null, "No such file or directory")))
        .isEqualTo("/proc/x: No such file or directory");
    assertThat(OutputFiles.reason(new IOException())).isEqualTo("IOException");
  }

  private static java.util.List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
