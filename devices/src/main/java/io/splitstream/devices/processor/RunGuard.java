package io.splitstream.devices.processor;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Keeps a native resource (an ONNX Runtime session, a TFLite interpreter, a loaded segment) from
 * being freed under a call that uses it. Runs share the guard; {@link #close} is exclusive: it
 * waits for the runs in flight, frees the resource once, and from then on every {@link #run}
 * throws {@link IllegalStateException} saying what is closed.
 *
 * <p>Threads: any thread may run or close, at any time. Concurrent closes free once; each of them
 * returns only after the resource is freed. Closing from inside a run on the same thread is refused
 * (it would wait for itself). The lock is fair, so a steady stream of runs cannot hold a close off.
 */
public final class RunGuard {
  private final String what;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock(true);
  /** Written under the write lock, read under either lock. */
  private boolean closed;

  /** @param what what the guard protects, for messages, e.g. {@code segment conv[0,3) on 'gpu'} */
  public RunGuard(String what) {
    this.what = what;
  }

  /**
   * Calls {@code body} unless closed; a close waits until it returns.
   *
   * @throws IllegalStateException when closed, before {@code body} is called
   */
  public <T> T run(Supplier<T> body) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException(what + " is closed: load the segment again to run it");
      }
      return body.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Waits for the runs in flight, then calls {@code release} if no close did before.
   *
   * @return true for the one call that released
   * @throws IllegalStateException when called from inside a {@link #run} on this guard
   */
  public boolean close(Runnable release) {
    if (lock.getReadHoldCount() > 0) {
      throw new IllegalStateException("close of " + what
          + " called from inside a run on it: close it after the run returns");
    }
    lock.writeLock().lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      release.run();
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }
}
