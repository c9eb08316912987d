package io.splitstream.devices.platform;

import io.splitstream.devices.SplitstreamException;

/**
 * The bound on threads a real processor may ask of this host. A native runtime given far more
 * intra-op threads than the host has cores gains nothing and can fail inside native code (ONNX
 * Runtime at 1000 threads spun for minutes on two cores and, on another host, crashed with SIGSEGV
 * in {@code OrtSession.run}), so a count above the host's cores is refused up front.
 */
public final class HostThreads {
  private HostThreads() {}

  /** The most threads one real processor may use: the host's cores, and never fewer than 2. */
  public static int max() {
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Returns {@code threads} when it is in 1..{@link #max()}.
   *
   * @param what how the user gave the count, e.g. {@code --threads 1000} or {@code cpu:1000}
   * @throws SplitstreamException naming the value, the host's cores and the range to give
   */
  public static int check(int threads, String what) {
    if (threads < 1 || threads > max()) {
      throw new SplitstreamException(what + ": threads per processor must be 1 to " + max() + " on this host ("
          + Runtime.getRuntime().availableProcessors() + " cores; more threads than cores only contend)");
    }
    return threads;
  }
}
