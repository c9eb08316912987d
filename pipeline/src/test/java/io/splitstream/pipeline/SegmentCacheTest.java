package io.splitstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.processor.Platform;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Segments shared across plans: loaded once, charged once, prepared in the background. Each test
 * has a fresh platform, since an emulated processor remembers what it loaded before (and then
 * charges its cached-load time).
 */
class SegmentCacheTest {
  static OnnxModel model;
  static ProfileTable table;
  Platform platform;

  @BeforeAll
  static void profile() {
    model = PipelineFixture.mobileNetSmall();
    table = PipelineFixture.profileOnSd855(model, 6);
  }

  @BeforeEach
  void open() {
    platform = PipelineFixture.sd855();
  }

  @AfterEach
  void close() {
    platform.close();
  }

  private static Plan plan(String split) {
    return SplitSpec.parse(split, table);
  }

  private static String cut() {
    return String.valueOf(table.cutPoints().get(2));
  }

  @Test
  void aPlanThatComesBackReloadsNothingAndCostsNothing() {
    try (SegmentCache cache = new SegmentCache(model, platform)) {
      Plan a = plan("0:cpu," + cut() + ":gpu");
      SegmentCache.LoadedPlan first = cache.acquire(a);
      assertThat(first.loaded()).isEqualTo(2);
      // the emulated GPU's first load of a segment takes the profile's loadMillis (2.5 s on the Pixel 4)
      assertThat(first.loadCost()).isEqualTo(Duration.ofMillis(2500));
      cache.release(first);
      SegmentCache.LoadedPlan again = cache.acquire(a);
      assertThat(again.loaded()).isZero();
      assertThat(again.reused()).isEqualTo(2);
      assertThat(again.loadCost()).isEqualTo(Duration.ZERO);
      assertThat(again.stages().get(1).replicas().get(0).loaded())
          .isSameAs(first.stages().get(1).replicas().get(0).loaded());
    }
  }

  @Test
  void processorsLoadInParallelAndTheSlowestSetsTheCost() {
    try (SegmentCache cache = new SegmentCache(model, platform)) {
      SegmentCache.LoadedPlan p = cache.acquire(plan("0:npu," + cut() + ":cpu"));
      // npu 200 ms and cpu 10.6 ms load side by side: the plan is up after the npu's
      assertThat(p.loadCost()).isEqualTo(Duration.ofMillis(200));
    }
  }

  @Test
  void aPlanPreparedInTheBackgroundPaysOnlyWhatItsLoadStillNeeds() {
    AtomicLong now = new AtomicLong();
    try (SegmentCache cache = new SegmentCache(model, platform, now::get)) {
      Plan onGpu = plan("0:gpu");
      assertThat(cache.prepare(onGpu)).isEqualTo(1);
      assertThat(cache.expectedLoadMs(onGpu, "gpu", 2500)).isEqualTo(2500);
      now.set(Duration.ofMillis(1000).toNanos());
      assertThat(cache.expectedLoadMs(onGpu, "gpu", 2500)).isEqualTo(1500);
      SegmentCache.LoadedPlan early = cache.acquire(onGpu);
      assertThat(early.loaded()).isZero();
      assertThat(early.loadCost()).isEqualTo(Duration.ofMillis(1500));
      cache.release(early);
      now.set(Duration.ofMillis(3000).toNanos());
      assertThat(cache.acquire(onGpu).loadCost()).isEqualTo(Duration.ZERO);
    }
  }

  @Test
  void backgroundLoadsOnOneProcessorQueueBehindEachOther() {
    AtomicLong now = new AtomicLong();
    try (SegmentCache cache = new SegmentCache(model, platform, now::get)) {
      cache.prepare(plan("0:gpu"));
      cache.prepare(plan("0:cpu," + cut() + ":gpu"));
      // the second gpu segment starts loading when the first is done
      assertThat(cache.expectedLoadMs(plan("0:cpu," + cut() + ":gpu"), "gpu", 0)).isEqualTo(5000);
    }
  }
}
