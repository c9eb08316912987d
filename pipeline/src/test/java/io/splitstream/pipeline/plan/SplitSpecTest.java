package io.splitstream.pipeline.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.ProcessorKind;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SplitSpecTest {
  /** Cut points 0, 5, 9, 14, 20; the npu lacks an op of block 2, nodes [9,14). */
  static ProfileTable blazeface() {
    Map<String, Double> all = Map.of("cpu", 4.0, "gpu", 2.0, "npu", 1.0);
    return ProfileTable.builder("blazeface")
        .inputBytes(4096).outputBytes(512)
        .processor("cpu", ProcessorKind.CPU, false, "host")
        .processor("gpu", ProcessorKind.GPU, true, "emulated gpu")
        .processor("npu", ProcessorKind.NPU, true, "emulated npu")
        .block(5, all).cut(2048)
        .block(9, all).cut(2048)
        .block(14, Map.of(OpClass.CONV, 1e6), List.of("Conv", "Einsum"),
            Map.of("cpu", 4.0, "gpu", 2.0)).cut(1024)
        .block(20, all).cut(1024)
        .block(30, all)
        .build();
  }

  @Test
  void readsStagesReplicasAndBlanks() {
    Plan plan = SplitSpec.parse(" 0:npu, 9 : gpu + cpu ", blazeface());
    assertThat(plan.label()).isEqualTo("0:npu,9:cpu+gpu");
    assertThat(plan.epoch()).isZero();
    assertThat(plan.stages()).extracting(Plan.Stage::firstBlock, Plan.Stage::endBlock,
            Plan.Stage::firstNode, Plan.Stage::endNode)
        .containsExactly(tuple(0, 2, 0, 9), tuple(2, 5, 9, 30));
    assertThat(plan.stages().get(1).processors()).containsExactly("gpu", "cpu");
    assertThat(plan.cutNodes()).containsExactly(9);
  }

  @Test
  void autoIsLeftToTheCaller() {
    assertThat(SplitSpec.isAuto("auto")).isTrue();
    assertThat(SplitSpec.isAuto(" AUTO ")).isTrue();
    assertThat(SplitSpec.isAuto("0:cpu")).isFalse();
    assertThatThrownBy(() -> SplitSpec.parse("auto", blazeface()))
        .hasMessage("split 'auto': 'auto' asks the planner to choose, it is not a split; call"
            + " Planner.plan for it");
  }

  @ParameterizedTest(name = "[{index}] split '{0}'")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      0:cpu,12:npu      | split '0:cpu,12:npu': 12 is not a cut point of blazeface; valid cut points include 0, 5, 9, 14, 20 (see ./splitstream profile)
      0:cpu,31:npu      | split '0:cpu,31:npu': 31 is not a cut point of blazeface; valid cut points include ..., 9, 14, 20 (see ./splitstream profile)
      ""                | split '': is empty; write START:PROCESSOR per stage, replicas joined with '+', e.g. 0:cpu,37:npu+gpu, or 'auto'
      5:cpu             | split '5:cpu': the first stage starts at node 5; it must start at 0, e.g. 0:gpu,5:cpu
      0:cpu,9:gpu,5:npu | split '0:cpu,9:gpu,5:npu': stage '5:npu' starts at 5, not after the stage before it (9); starts must increase strictly
      0:cpu,5:cpu       | split '0:cpu,5:cpu': processor 'cpu' is used more than once; each processor hosts one stage, so pick another one or merge the stages
      0:cpu,5:gpu+gpu   | split '0:cpu,5:gpu+gpu': processor 'gpu' is used more than once; each processor hosts one stage, so pick another one or merge the stages
      0:cpu,5:tpu       | split '0:cpu,5:tpu': no processor 'tpu' in the profile of blazeface; it has cpu, gpu, npu
      0:cpu,,5:gpu      | split '0:cpu,,5:gpu': stage 2 is empty (a stray comma?); write START:PROCESSOR per stage, replicas joined with '+', e.g. 0:cpu,37:npu+gpu
      0:cpu,5           | split '0:cpu,5': '5' is not START:PROCESSOR; write START:PROCESSOR per stage, replicas joined with '+', e.g. 0:cpu,37:npu+gpu
      0:cpu:gpu         | split '0:cpu:gpu': '0:cpu:gpu' is not START:PROCESSOR; write START:PROCESSOR per stage, replicas joined with '+', e.g. 0:cpu,37:npu+gpu
      x:cpu             | split 'x:cpu': 'x' in 'x:cpu' is not a node index; START is the node where the stage begins, e.g. 0 or 37
      0:cpu,5:          | split '0:cpu,5:': '5:' has an empty processor name; write START:PROCESSOR per stage, replicas joined with '+', e.g. 0:cpu,37:npu+gpu
      0:cpu,5:npu+      | split '0:cpu,5:npu+': '5:npu+' has an empty processor name; write START:PROCESSOR per stage, replicas joined with '+', e.g. 0:cpu,37:npu+gpu
      0:cpu,5:npu       | split '0:cpu,5:npu': npu lacks an op of block 2 (nodes [9,14)) (ops Conv, Einsum) in stage '5:npu'; put those nodes on a processor that has all their ops (cpu, gpu)
      0:gpu+npu         | split '0:gpu+npu': npu lacks an op of block 2 (nodes [9,14)) (ops Conv, Einsum) in stage '0:gpu+npu'; put those nodes on a processor that has all their ops (cpu, gpu)
      """)
  void refusesABadSplitNamingThePartAndTheRemedy(String spec, String message) {
    assertThatThrownBy(() -> SplitSpec.parse(spec, blazeface()))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage(message);
  }

  /** The remedy of a split that does not start at 0 is itself a split that parses. */
  @ParameterizedTest
  @CsvSource({"5:cpu", "5:cpu,9:gpu", "5:cpu,9:gpu,14:npu+npu", "7:cpu", "9:cpu+gpu", "5:gpu+cpu,14:npu"})
  void theSuggestedSplitForALateFirstStageParses(String spec) {
    assertThatThrownBy(() -> SplitSpec.parse(spec, blazeface()))
        .isInstanceOf(SplitstreamException.class)
        .satisfies(e -> {
          String m = e.getMessage();
          assertThat(m).contains("it must start at 0, e.g. ");
          String suggestion = m.substring(m.indexOf("e.g. ") + 5);
          if (spec.equals("5:cpu,9:gpu,14:npu+npu")) {
            // a spec with another fault: the suggestion fixes the start, the fault stays named
            assertThatThrownBy(() -> SplitSpec.parse(suggestion, blazeface())).hasMessageContaining("more than once");
          } else {
            assertThat(SplitSpec.parse(suggestion, blazeface()).stages().get(0).firstNode()).isZero();
          }
        });
  }

  @Test
  void refusesReplicasWhenDisabledAndOfflineProcessors() {
    ProfileTable table = blazeface();
    assertThatThrownBy(() -> SplitSpec.parse("0:cpu,14:gpu+npu", table,
        PlannerOptions.defaults().withoutReplicas()))
        .hasMessage("split '0:cpu,14:gpu+npu': '14:gpu+npu' has replicas but replicas are"
            + " disabled; name one processor per stage");
    assertThatThrownBy(() -> SplitSpec.parse("0:cpu,14:npu", table,
        PlannerOptions.defaults().withAvailability("npu", new Availability.State(1, 1, false))))
        .hasMessage("split '0:cpu,14:npu': processor 'npu' is offline; pick another one for"
            + " '14:npu'");
  }

  @Test
  void aLabelReadsBackAsTheSamePlan() {
    ProfileTable table = blazeface();
    Plan plan = Planner.plan(table, Optional.empty(), PlannerOptions.defaults());
    assertThat(SplitSpec.parse(plan.label(), table)).isEqualTo(plan);
  }
}
