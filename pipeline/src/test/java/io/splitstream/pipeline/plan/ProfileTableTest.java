package io.splitstream.pipeline.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.processor.ProcessorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProfileTableTest {
  private static final String TINY = """
      {
        "schema": 1,
        "model": "tiny",
        "inputBytes": 100,
        "outputBytes": 10,
        "processors": [
          {"id": "cpu", "kind": "CPU", "emulated": false, "description": "host", "invocationMs": 0.0},
          {"id": "npu", "kind": "NPU", "emulated": true, "description": "emulated npu", "invocationMs": 0.2}
        ],
        "blocks": [
          {"index": 0, "firstNode": 0, "endNode": 3, "flops": 10.0, "opMix": {"CONV": 10.0},
           "opTypes": ["Conv"], "msByProcessor": {"cpu": 2.0, "npu": null}},
          {"index": 1, "firstNode": 3, "endNode": 5, "flops": 0.0, "opMix": {},
           "opTypes": [], "msByProcessor": {"cpu": 1.0, "npu": 0.5}}
        ],
        "cuts": [{"node": 3, "bytes": 64}],
        "links": [{"from": "cpu", "to": "npu", "latencyMs": 0.1, "bytesPerMs": 1000.0}]
      }
      """;

  @Test
  void roundTripsThroughAFile(@TempDir Path dir) throws IOException {
    ProfileTable table = SplitSpecTest.blazeface();
    Path file = dir.resolve("blazeface.json");
    table.write(file);
    assertThat(ProfileTable.read(file)).isEqualTo(table);
    String json = Files.readString(file);
    assertThat(json.strip()).startsWith("{").contains("\"schema\" : 1");
    assertThat(json.indexOf("\"schema\"")).isLessThan(json.indexOf("\"model\""));
    // Derived figures are not fields: a reader would refuse them as unknown.
    assertThat(json).doesNotContain("nodeCount", "cutPoints", "blockCount", "processorIds");
    // Writing again replaces the file whole.
    ProfileTable other = ProfileTable.fromJson(TINY, "tiny");
    other.write(file);
    assertThat(ProfileTable.read(file)).isEqualTo(other);
  }

  @Test
  void readsNullTimesAsUnsupportedAndKeepsEverythingElse() {
    ProfileTable t = ProfileTable.fromJson(TINY, "tiny.json");
    assertThat(t.model()).isEqualTo("tiny");
    assertThat(t.nodeCount()).isEqualTo(5);
    assertThat(t.cutPoints()).containsExactly(0, 3);
    assertThat(t.blocks().get(0).supportedOn("npu")).isFalse();
    assertThat(t.blocks().get(0).ms("npu")).isEqualTo(OptionalDouble.empty());
    assertThat(t.blocks().get(0).ms("cpu")).isEqualTo(OptionalDouble.of(2.0));
    assertThat(t.blocks().get(0).opMix()).containsEntry(OpClass.CONV, 10.0);
    assertThat(t.bytesInto(0)).isEqualTo(100);
    assertThat(t.bytesInto(1)).isEqualTo(64);
    assertThat(t.bytesInto(2)).isEqualTo(10);
    assertThat(t.transferMs("cpu", "npu", 64)).isEqualTo(0.1 + 64 / 1000.0);
    assertThat(t.transferMs("npu", "cpu", 64)).isZero();
    assertThat(t.transferMs("cpu", "cpu", 64)).isZero();
    assertThat(t.blockStartingAt(3)).hasValue(1);
    assertThat(t.blockStartingAt(4)).isEmpty();
  }

  @Test
  void aMissingFileSaysHowToMakeIt(@TempDir Path dir) {
    Path file = dir.resolve("nope.json");
    assertThatThrownBy(() -> ProfileTable.read(file))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("profile " + file + ": no such file; write it with ./splitstream profile"
            + " --model MODEL --json " + file);
  }

  @Test
  void aFileThatCannotBeWrittenIsNamed(@TempDir Path dir) {
    // a missing folder is created, as for every output; one under a plain file cannot be
    Path file = dir.resolve("a-file").resolve("t.json");
    assertThatCode(() -> java.nio.file.Files.writeString(dir.resolve("a-file"), "x")).doesNotThrowAnyException();
    assertThatThrownBy(() -> ProfileTable.fromJson(TINY, "tiny").write(file))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("profile " + file + ": cannot be written (")
        .hasMessageEndingWith("); give --json a file in a writable folder");
    ProfileTable.fromJson(TINY, "tiny").write(dir.resolve("new-dir").resolve("t.json"));
    assertThat(dir.resolve("new-dir").resolve("t.json")).isRegularFile();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
      not JSON         | *                                       | {| profile t.json: not JSON (
      empty            | *                                       | ¤| profile t.json: is empty; re-run ./splitstream profile to write a valid table
      an array         | *                                       | []| profile t.json: is JSON but not an object; re-run
      no schema        | "schema": 1,                            | ¤| profile t.json: has no 'schema' field, so it is not a profile table written by ./splitstream profile; re-run
      wrong schema     | "schema": 1,                            | "schema": 2,| profile t.json: has schema 2 but this build reads schema 1; re-run ./splitstream profile to write a valid table with this build
      unknown time     | "npu": 0.5                              | "tpu": 0.5| profile t.json: block 1 (nodes [3,5)) of tiny has a time on unknown processor 'tpu'; the profile lists cpu, npu
      negative time    | "cpu": 1.0                              | "cpu": -1.0| profile t.json: block 1 (nodes [3,5)) takes -1.0 ms on 'cpu'; times must be finite and >= 0 (leave the processor out when it lacks an op), re-run ./splitstream profile
      unknown link end | "to": "npu"                             | "to": "gpu"| profile t.json: link cpu->gpu of tiny names unknown processor 'gpu'; the profile lists cpu, npu
      self link        | "to": "npu"                             | "to": "cpu"| profile t.json: link cpu->cpu joins a processor to itself; staying on one processor is always free, remove the link
      misplaced cut    | "node": 3                               | "node": 4| profile t.json: cut 0 of tiny is at node 4 but the boundary between blocks 0 and 1 is at node 3; list one cut per boundary, in order
      gap              | "firstNode": 3                          | "firstNode": 4| profile t.json: block 1 (nodes [4,5)) of tiny should start at node 3 (blocks must follow one another without gaps)
      unknown field    | "flops": 0.0,                           | "flops": 0.0, "colour": 1,| profile t.json: unknown field 'colour' in blocks[1] at line
      missing field    | "endNode": 5,                           | ¤| profile t.json: missing field 'endNode' in blocks[1]
      null field       | "description": "host"                   | "description": null| profile t.json: field 'description' in processors[0] is null at line 7, column 93; give it a value; re-run
      bad kind         | "kind": "NPU"                           | "kind": "TPU"| profile t.json: processors[1].kind is not a valid value (one of CPU/GPU/NPU)
      bad number       | "inputBytes": 100                       | "inputBytes": "many"| profile t.json: inputBytes is not a valid long
      duplicate key    | "model": "tiny",                        | "model": "tiny", "model": "other",| profile t.json: not JSON (Duplicate field 'model'
      no processors    | {"id": "npu", "kind": "NPU", "emulated": true, "description": "emulated npu", "invocationMs": 0.2} | {"id": "cpu", "kind": "NPU", "emulated": true, "description": "emulated npu", "invocationMs": 0.2}| profile t.json: processor 'cpu' appears twice in the profile of tiny; each processor id must be unique
      """)
  void refusesABadTableWithOneLine(String what, String find, String replace, String expected) {
    String with = replace.equals("¤") ? "" : replace;
    String json = find.equals("*") ? with : TINY.replace(find, with);
    assertThat(json).as("the case must change the table").isNotEqualTo(TINY);
    assertThatThrownBy(() -> ProfileTable.fromJson(json, "t.json"))
        .as(what)
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith(expected)
        .hasMessageNotContaining("\n");
  }

  @Test
  void theBuilderChecksTheTableWhole() {
    ProfileTable.Builder b = ProfileTable.builder("m")
        .processor("cpu", ProcessorKind.CPU, false, "host")
        .block(2, Map.of("cpu", 1.0))
        .block(4, Map.of("cpu", 1.0));
    assertThatThrownBy(b::build)
        .hasMessage("profile table of m: the profile of m has 0 cuts for 2 blocks; it needs one per"
            + " boundary between blocks (1)");
    assertThatThrownBy(() -> ProfileTable.builder("m").processor("n+1", ProcessorKind.NPU, true, "x"))
        .hasMessageStartingWith("processor id 'n+1' is not usable in a split string");
    assertThatThrownBy(() -> ProfileTable.builder("m")
        .processor("cpu", ProcessorKind.CPU, false, "host").build())
        .hasMessage("profile table of m: the profile of m has no blocks; re-run ./splitstream"
            + " profile");
    assertThatThrownBy(() -> ProfileTable.builder("m").link("cpu", "gpu", 0, 0))
        .hasMessageStartingWith("link cpu->gpu has bytesPerMs 0.0; it must be finite and > 0");
  }
}
