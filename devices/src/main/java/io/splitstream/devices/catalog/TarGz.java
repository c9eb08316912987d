package io.splitstream.devices.catalog;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** Reads one entry out of a gzip-compressed ustar archive, the format {@code npm pack} writes. */
final class TarGz {
  private static final int BLOCK = 512;

  private TarGz() {}

  /** The bytes of the regular file named {@code name}, or empty when the archive has none. */
  static Optional<byte[]> read(Path archive, String name) throws IOException {
    try (InputStream raw = Files.newInputStream(archive);
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
      byte[] header = new byte[BLOCK];
      String longName = null;
      while (true) {
        try {
          in.readFully(header);
        } catch (EOFException e) {
          return Optional.empty();
        }
        if (isZero(header)) {
          return Optional.empty();
        }
        String entry = longName != null ? longName : entryName(header);
        longName = null;
        long size = octal(header, 124, 12);
        char type = (char) header[156];
        byte[] body = readBody(in, size);
        if (type == 'L') {
          // GNU long name: the body is the next entry's name
          longName = cString(body, 0, body.length);
        } else if ((type == '0' || type == 0) && entry.equals(name)) {
          return Optional.of(body);
        }
      }
    }
  }

  private static byte[] readBody(DataInputStream in, long size) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(size, 1 << 20));
    byte[] buf = new byte[BLOCK];
    long blocks = (size + BLOCK - 1) / BLOCK;
    long left = size;
    for (long i = 0; i < blocks; i++) {
      in.readFully(buf);
      int n = (int) Math.min(BLOCK, left);
      out.write(buf, 0, n);
      left -= n;
    }
    return out.toByteArray();
  }

  private static String entryName(byte[] h) {
    String name = cString(h, 0, 100);
    boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    String prefix = ustar ? cString(h, 345, 155) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) {
    long v = 0;
    for (int i = off; i < off + len; i++) {
      int c = b[i];
      if (c == 0 || c == ' ') {
        if (v > 0) {
          break;
        }
        continue;
      }
      if (c < '0' || c > '7') {
        throw new IllegalArgumentException("not a tar archive: bad size field");
      }
      v = v * 8 + (c - '0');
    }
    return v;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }
}
