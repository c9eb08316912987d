package io.splitstream.loadgen.launcher;

import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for a serving JVM, run by {@link LauncherSignalsTest}: with argument {@code exit N} it
 * exits with status N; otherwise it says {@code ready}, writes one native-style INFO line and one
 * line to keep on stderr, and waits until it is stopped, its shutdown hook saying {@code drained}.
 */
public final class Drains {
  private Drains() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length == 2 && args[0].equals("exit")) {
      System.exit(Integer.parseInt(args[1]));
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("drained");
      System.out.flush();
    }));
    System.err.println("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.");
    System.err.println("error: kept");
    System.err.flush();
    System.out.println("ready");
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
