package io.splitstream.pipeline.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

class ApiTokenTest {
  @Test
  void aGeneratedTokenIsWrittenToAFileOnlyTheUserCanReadAndDeletedAtTheEnd() throws Exception {
    Path file;
    try (ApiToken t = ApiToken.generate()) {
      file = t.file().orElseThrow();
      assertThat(t.value()).hasSize(64).matches("[0-9a-f]+");
      assertThat(Files.readString(file).strip()).isEqualTo(t.value());
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
      assertThat(t.where()).contains(file.toString()).contains("readable only by you");
      try (ApiToken other = ApiToken.generate()) {
        assertThat(other.value()).isNotEqualTo(t.value());
      }
    }
    assertThat(Files.exists(file)).isFalse();
    assertThat(Files.exists(file.getParent())).isFalse();
  }

  @Test
  void aGivenTokenMustBeLongEnough() {
    assertThat(ApiToken.given("0123456789abcdef").file()).isEmpty();
    assertThatThrownBy(() -> ApiToken.given("short")).isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("--api-token must be at least 16 characters");
    assertThatThrownBy(() -> ApiToken.given("0123456789 abcdef")).isInstanceOf(SplitstreamException.class);
  }
}
