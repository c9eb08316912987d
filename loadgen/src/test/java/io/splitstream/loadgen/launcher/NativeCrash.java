package io.splitstream.loadgen.launcher;

import java.lang.reflect.Field;

/** A process that dies of a fatal native error, as a SIGSEGV inside a native runtime would. */
final class NativeCrash {
  private NativeCrash() {}

  public static void main(String[] args) throws ReflectiveOperationException {
    Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
    f.setAccessible(true);
    Object unsafe = f.get(null);
    System.out.println("crashing");
    System.out.flush();
    // reads address 8: SIGSEGV in the JVM, the same fatal-error path as a crash in libonnxruntime
    unsafe.getClass().getMethod("getLong", long.class).invoke(unsafe, 8L);
  }
}
