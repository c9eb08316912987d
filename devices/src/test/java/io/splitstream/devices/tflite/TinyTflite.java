package io.splitstream.devices.tflite;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tiny TFLite flatbuffers by hand for tests: one float32 [1,4] input, one output of the
 * same shape, one operator. Objects are laid out front to back; every offset points forward, as
 * FlatBuffers requires, and is patched once its target is written.
 */
public final class TinyTflite {
  private TinyTflite() {}

  /** x[1,4] → custom op {@code customName} → y[1,4]. */
  public static byte[] withCustomOp(String customName) {
    Table opCode = new Table().addByte(0, 32).add(1, new Str(customName)).addInt(2, 1);
    Table x = tensor("x");
    Table y = tensor("y");
    Table op = new Table().addInt(0, 0).add(1, new Ints(0)).add(2, new Ints(1));
    Table subgraph = new Table().add(0, new Tables(x, y)).add(1, new Ints(0)).add(2, new Ints(1))
        .add(3, new Tables(op)).add(4, new Str("main"));
    Table model = new Table().addInt(0, 3).add(1, new Tables(opCode)).add(2, new Tables(subgraph))
        .add(3, new Str("splitstream test")).add(4, new Tables(new Table()));
    Writer w = new Writer();
    w.int32(0); // root offset, patched below
    w.out.write('T');
    w.out.write('F');
    w.out.write('L');
    w.out.write('3');
    int root = w.table(model);
    byte[] bytes = w.out.toByteArray();
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, root);
    return bytes;
  }

  private static Table tensor(String name) {
    return new Table().add(0, new Ints(1, 4)).addByte(1, 0).addInt(2, 0).add(3, new Str(name));
  }

  private interface Ref {}

  private record Str(String value) implements Ref {}

  private record Ints(int... values) implements Ref {}

  private record Tables(Table... tables) implements Ref {}

  private static final class Table implements Ref {
    final List<Object[]> fields = new ArrayList<>(); // {index, kind, value}

    Table addInt(int index, int v) {
      fields.add(new Object[] {index, "i", v});
      return this;
    }

    Table addByte(int index, int v) {
      fields.add(new Object[] {index, "b", v});
      return this;
    }

    Table add(int index, Ref r) {
      fields.add(new Object[] {index, "r", r});
      return this;
    }
  }

  private static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final List<int[]> patches = new ArrayList<>();

    int pos() {
      return out.size();
    }

    void align(int n) {
      while (pos() % n != 0) {
        out.write(0);
      }
    }

    void int32(int v) {
      out.write(v);
      out.write(v >>> 8);
      out.write(v >>> 16);
      out.write(v >>> 24);
    }

    void int16(int v) {
      out.write(v);
      out.write(v >>> 8);
    }

    void patch(int at, int target) {
      byte[] b = out.toByteArray();
      out.reset();
      ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, target - at);
      out.write(b, 0, b.length);
    }

    /** Writes vtable then table (every field in a 4-byte slot), then its children; returns the table's position. */
    int table(Table t) {
      int maxIndex = t.fields.stream().mapToInt(f -> (int) f[0]).max().orElse(-1);
      int tableSize = 4 + 4 * t.fields.size();
      align(4);
      int vtable = pos();
      int vtableSize = 4 + 2 * (maxIndex + 1);
      int16(vtableSize);
      int16(tableSize);
      int[] offsets = new int[maxIndex + 1];
      for (int i = 0; i < t.fields.size(); i++) {
        offsets[(int) t.fields.get(i)[0]] = 4 + 4 * i;
      }
      for (int o : offsets) {
        int16(o);
      }
      align(4);
      int table = pos();
      int32(table - vtable);
      int[] slots = new int[t.fields.size()];
      for (int i = 0; i < t.fields.size(); i++) {
        Object[] f = t.fields.get(i);
        slots[i] = pos();
        int32(f[1].equals("r") ? 0 : (int) f[2]);
      }
      for (int i = 0; i < t.fields.size(); i++) {
        Object[] f = t.fields.get(i);
        if (f[1].equals("r")) {
          int target = ref((Ref) f[2]);
          patch(slots[i], target);
        }
      }
      return table;
    }

    int ref(Ref r) {
      align(4);
      if (r instanceof Str s) {
        int at = pos();
        byte[] b = s.value().getBytes(StandardCharsets.UTF_8);
        int32(b.length);
        out.write(b, 0, b.length);
        out.write(0);
        return at;
      }
      if (r instanceof Ints v) {
        int at = pos();
        int32(v.values().length);
        for (int x : v.values()) {
          int32(x);
        }
        return at;
      }
      if (r instanceof Tables v) {
        int at = pos();
        int32(v.tables().length);
        int[] slots = new int[v.tables().length];
        for (int i = 0; i < slots.length; i++) {
          slots[i] = pos();
          int32(0);
        }
        for (int i = 0; i < slots.length; i++) {
          int target = table(v.tables()[i]);
          patch(slots[i], target);
        }
        return at;
      }
      return table((Table) r);
    }
  }
}
