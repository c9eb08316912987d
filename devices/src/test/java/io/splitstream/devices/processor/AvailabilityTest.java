package io.splitstream.devices.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    Future<Integer> shareLost = two.submit(() -> {
      await(start);
      int lost = 0;
      for (int i = 0; i < ROUNDS; i++) {
        double v = i % 2 == 0 ? 0.5 : 0.25;
        a.setShare(v);
        if (a.state().share() != v) {
          lost++;
        }
      }
      return lost;
    });
    Future<Integer> throttleLost = two.submit(() -> {
      await(start);
      int lost = 0;
      for (int i = 0; i < ROUNDS; i++) {
        double v = i % 2 == 0 ? 0.75 : 0.125;
        a.setThrottle(v);
        if (a.state().throttle() != v) {
          lost++;
        }
      }
      return lost;
    });
    start.countDown();
    two.shutdown();
    assertThat(shareLost.get()).as("share writes undone by a throttle write").isZero();
    assertThat(throttleLost.get()).as("throttle writes undone by a share write").isZero();
    assertThat(a.state()).isEqualTo(new Availability.State(0.25, 0.125, true));
  }

  private static void await(CountDownLatch l) {
    try {
      l.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
