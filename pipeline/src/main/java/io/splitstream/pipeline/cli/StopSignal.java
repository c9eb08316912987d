package io.splitstream.pipeline.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How a long-running command ({@code serve}, {@code serve --kafka}) stops: after its
 * {@code --duration}, or on Ctrl-C (SIGINT/SIGTERM), when a shutdown hook wakes it and then holds
 * the JVM up to {@code reportWait} so that it can drain, print its counts and audit before exiting.
 */
final class StopSignal {
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch reported = new CountDownLatch(1);
  private final Thread hook;

  /**
   * @param threadName the hook thread's name
   * @param reportWait how long the hook holds the JVM for the command to finish its report
   */
  StopSignal(String threadName, Duration reportWait) {
    this.hook = new Thread(() -> {
      stop.countDown();
      try {
        reported.await(reportWait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, threadName);
  }

  /** Installs the hook, then waits for Ctrl-C, or at most {@code duration} when it is not null. */
  void await(Duration duration) {
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      if (duration != null) {
        stop.await(duration.toMillis(), TimeUnit.MILLISECONDS);
      } else {
        stop.await();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The report is out: a running hook may let the JVM end; otherwise the hook is removed. */
  void reported() {
    reported.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running
    }
  }
}
