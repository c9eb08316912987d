package io.splitstream.devices.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class AvailabilityTest {
  private static final int ROUNDS = 2_000_000;

  /**
   * One thread writes only the share, another only the throttle: neither may ever undo the other's
   * write (a read-modify-write that is not atomic writes back a stale share or throttle).
   */
  @Test
  void settersOfDifferentFieldsNeverLoseEachOthersWrites() throws Exception {
    Availability a = new Availability();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService two = Executors.newFixedThreadPool(2);
    Future<Integer> shareLost = two.submit(writer(start, a::setShare, () -> a.state().share(), 0.5, 0.25));
    Future<Integer> throttleLost = two.submit(writer(start, a::setThrottle, () -> a.state().throttle(), 0.75, 0.125));
    start.countDown();
    two.shutdown();
    assertThat(shareLost.get()).as("share writes undone by a throttle write").isZero();
    assertThat(throttleLost.get()).as("throttle writes undone by a share write").isZero();
    assertThat(a.state()).isEqualTo(new Availability.State(0.25, 0.125, true));
  }

  /** Writes {@code even} and {@code odd} in turn, counting the writes not read back at once. */
  private static Callable<Integer> writer(CountDownLatch start, DoubleConsumer set, DoubleSupplier get, double even,
      double odd) {
    return () -> {
      start.await();
      int lost = 0;
      for (int i = 0; i < ROUNDS; i++) {
        double v = i % 2 == 0 ? even : odd;
        set.accept(v);
        if (get.getAsDouble() != v) {
          lost++;
        }
      }
      return lost;
    };
  }
}
