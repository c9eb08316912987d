package io.splitstream.devices.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Processor}, real or emulated, must do. Subclass it once per implementation
 * and answer the hooks: {@link #newProcessor()}, {@link #supportedSample()} (a segment the
 * processor runs, its inputs, and reference outputs from the runtime called directly) and
 * {@link #unsupportedSample()} (a segment holding an op it lacks, and that op). The contract's
 * tests for emulated processors only (availability scaling) are skipped for real ones.
 *
 * <p>Reusable from other modules through the devices test-jar.
 */
public abstract class ProcessorContract {
  /** A segment, inputs for it, and the outputs a direct runtime call gives for them. */
  public record Sample(Segment segment, TensorMap inputs, TensorMap reference) {}

  /** A segment the processor must refuse, and the op it must name. */
  public record Unsupported(Segment segment, String opType) {}

  /** A new processor; the contract closes it after each test. */
  protected abstract Processor newProcessor();

  protected abstract Sample supportedSample();

  protected abstract Unsupported unsupportedSample();

  /** Outputs must match the reference within this absolute tolerance. */
  protected double tolerance() {
    return 1e-5;
  }

  protected Processor processor;

  @BeforeEach
  void createProcessor() {
    processor = newProcessor();
  }

  @AfterEach
  void closeProcessor() {
    processor.close();
  }

  @Test
  void identifiesItselfAndSaysWhetherItIsEmulated() {
    assertThat(processor.id()).isNotBlank();
    assertThat(processor.kind()).isNotNull();
    assertThat(processor.description()).isNotBlank().doesNotContain("\n");
    assertThat(processor.description().toLowerCase().contains("emulated")).isEqualTo(processor.emulated());
    assertThat(processor.formats()).isNotEmpty();
    assertThat(processor.availability().online()).isTrue();
  }

  @Test
  void runsASupportedSegmentLikeTheRuntimeCalledDirectly() {
    Sample s = supportedSample();
    assertThat(processor.formats()).contains(s.segment().format());
    assertThat(processor.firstUnsupportedOp(s.segment())).isEmpty();
    try (LoadedSegment loaded = processor.load(s.segment())) {
      assertThat(loaded.segment()).isSameAs(s.segment());
      assertThat(loaded.processor()).isSameAs(processor);
      Execution e = loaded.run(s.inputs());
      assertMatches(e.outputs(), s.reference());
    }
  }

  @Test
  void reportsHostAndServiceTimeAndWhetherEmulated() {
    Sample s = supportedSample();
    try (LoadedSegment loaded = processor.load(s.segment())) {
      Execution e = loaded.run(s.inputs());
      assertThat(e.hostNanos()).isPositive();
      assertThat(e.serviceNanos()).isPositive();
      assertThat(e.emulated()).isEqualTo(processor.emulated());
      if (!processor.emulated()) {
        assertThat(e.serviceNanos()).isEqualTo(e.hostNanos());
      }
      assertThat(loaded.loadTime().isNegative()).isFalse();
      assertThat(loaded.expectedServiceTime()).isPositive();
    }
  }

  @Test
  void repeatedRunsGiveTheSameOutputs() {
    Sample s = supportedSample();
    try (LoadedSegment loaded = processor.load(s.segment())) {
      TensorMap first = loaded.run(s.inputs()).outputs();
      TensorMap second = loaded.run(s.inputs()).outputs();
      TensorMap third = loaded.run(s.inputs()).outputs();
      assertMatches(second, first);
      assertMatches(third, first);
      // earlier outputs are not overwritten by later runs
      assertMatches(first, s.reference());
    }
  }

  @Test
  void refusesASegmentWithAnOpItLacksNamingOpSegmentAndProcessor() {
    Unsupported u = unsupportedSample();
    assertThatThrownBy(() -> processor.load(u.segment()).close())
        .isInstanceOfSatisfying(UnsupportedOpException.class, e -> {
          assertThat(e.opType()).isEqualTo(u.opType());
          assertThat(e.processorId()).isEqualTo(processor.id());
        })
        .hasMessageContaining(u.opType())
        .hasMessageContaining(u.segment().label())
        .hasMessageContaining("'" + processor.id() + "'")
        .hasMessageNotContaining("\n");
  }

  @Test
  void wrongInputNameIsAOneLineErrorNamingIt() {
    Sample s = supportedSample();
    Map<String, Tensor> renamed = new LinkedHashMap<>();
    s.inputs().asMap().forEach((k, v) -> renamed.put(k + "_wrong", v));
    try (LoadedSegment loaded = processor.load(s.segment())) {
      assertThatThrownBy(() -> loaded.run(TensorMap.of(renamed)))
          .isInstanceOf(SplitstreamException.class)
          .hasMessageContaining(s.inputs().names().iterator().next() + "_wrong")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void closeIsIdempotent() {
    Sample s = supportedSample();
    LoadedSegment loaded = processor.load(s.segment());
    loaded.close();
    loaded.close();
    processor.close();
    processor.close();
  }

  @Test
  void closingTheProcessorClosesTheSegmentsStillLoadedOnIt() {
    Sample s = supportedSample();
    LoadedSegment loaded = processor.load(s.segment());
    processor.close();
    assertThatThrownBy(() -> loaded.run(s.inputs())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    loaded.close();
  }

  @Test
  void runsRacingACloseCompleteCorrectlyOrAreRefusedAsClosed() throws InterruptedException {
    Sample s = supportedSample();
    int threads = 4;
    for (int round = 0; round < 5; round++) {
      LoadedSegment loaded = processor.load(s.segment());
      CloseRace.Outcome o = CloseRace.runsAgainstClose(threads, () -> loaded.run(s.inputs()).outputs(),
          out -> assertMatches(out, s.reference()), loaded::close, s.segment().label());
      assertThat(o.unexpected()).as("round %d: runs that neither completed nor were refused", round).isEmpty();
      assertThat(o.refused()).isEqualTo(threads);
      assertThat(o.completed()).isGreaterThanOrEqualTo(threads);
    }
  }

  @Test
  void closeFromEightThreadsAtOnceClosesOnceAndLaterRunsAreRefused() throws InterruptedException {
    Sample s = supportedSample();
    for (int round = 0; round < 20; round++) {
      LoadedSegment loaded = processor.load(s.segment());
      loaded.run(s.inputs());
      assertThat(CloseRace.closeAtOnce(8, loaded::close)).as("round %d: what closers threw", round).isEmpty();
      assertThatThrownBy(() -> loaded.run(s.inputs())).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(s.segment().label())
          .hasMessageContaining("closed")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void offlineProcessorRefusesLoadAndRun() {
    Sample s = supportedSample();
    try (LoadedSegment loaded = processor.load(s.segment())) {
      processor.availability().setOnline(false);
      assertThatThrownBy(() -> loaded.run(s.inputs())).isInstanceOf(ProcessorOfflineException.class)
          .hasMessageContaining(processor.id());
      assertThatThrownBy(() -> processor.load(s.segment())).isInstanceOf(ProcessorOfflineException.class);
      processor.availability().setOnline(true);
      assertMatches(loaded.run(s.inputs()).outputs(), s.reference());
    }
  }

  @Test
  void emulatedServiceTimeScalesWithAvailability() {
    assumeTrue(processor.emulated(), "availability is imposed only on emulated processors");
    Sample s = supportedSample();
    try (LoadedSegment loaded = processor.load(s.segment())) {
      long full = loaded.run(s.inputs()).serviceNanos();
      assertThat(loaded.expectedServiceTime().toNanos()).isEqualTo(full);
      processor.availability().setShare(0.5);
      long half = loaded.run(s.inputs()).serviceNanos();
      assertThat(half).isBetween(2 * full - 2, 2 * full + 2);
      assertThat(loaded.expectedServiceTime().toNanos()).isEqualTo(half);
      processor.availability().setThrottle(0.5);
      assertThat(loaded.run(s.inputs()).serviceNanos()).isBetween(4 * full - 4, 4 * full + 4);
    }
  }

  // ---- helpers for subclasses ----

  protected void assertMatches(TensorMap actual, TensorMap expected) {
    assertThat(actual.names()).containsExactlyInAnyOrderElementsOf(expected.names());
    for (String n : expected.names()) {
      Tensor a = actual.get(n);
      Tensor b = expected.get(n);
      assertThat(a.type()).as("type of %s", n).isEqualTo(b.type());
      assertThat(a.shape()).as("shape of %s", n).containsExactly(b.shape());
      assertThat(a.maxAbsDiff(b)).as("max |diff| of %s", n).isLessThanOrEqualTo(tolerance());
    }
  }

  /** Random float inputs in [-1, 1) for every (static) input of {@code segment}. */
  public static TensorMap randomInputs(Segment segment, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (TensorSpec spec : segment.inputs()) {
      if (spec.type() != ElementType.FLOAT32 || !spec.isStatic()) {
        throw new IllegalArgumentException("randomInputs makes static FLOAT32 inputs only, not " + spec);
      }
      long[] shape = spec.shapeArray();
      float[] v = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextFloat() * 2 - 1;
      }
      m.put(spec.name(), Tensor.ofFloats(shape, v));
    }
    return TensorMap.of(m);
  }

  /** The outputs of a plain ONNX Runtime CPU session over {@code segment}: the reference. */
  public static TensorMap onnxRuntimeReference(Segment segment, TensorMap inputs) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(segment.bytes(), o)) {
      Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
      for (Map.Entry<String, Tensor> e : inputs.asMap().entrySet()) {
        feeds.put(e.getKey(), OnnxTensor.createTensor(env, e.getValue().data().asFloatBuffer(), e.getValue().shape()));
      }
      try (OrtSession.Result r = session.run(feeds)) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : r) {
          OnnxTensor t = (OnnxTensor) e.getValue();
          ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(t.getInfo().getNumElements() * 4))
              .order(ByteOrder.nativeOrder());
          b.asFloatBuffer().put(t.getFloatBuffer());
          out.put(e.getKey(), Tensor.of(ElementType.FLOAT32, t.getInfo().getShape(), b));
        }
        return TensorMap.of(out);
      } finally {
        feeds.values().forEach(OnnxTensor::close);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("reference run failed: " + e.getMessage(), e);
    }
  }

  /** A supported ONNX sample: the tiny Conv→Relu→Add model with seeded random input. */
  public static Sample tinyOnnxSample() {
    Segment s = TinyOnnx.convReluAdd();
    TensorMap in = randomInputs(s, 7);
    return new Sample(s, in, onnxRuntimeReference(s, in));
  }
}
