package io.splitstream.devices.io;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Files the product writes: written beside their target and moved into place, so a reader (or a
 * run killed half-way) never sees half a file; and checked before any work starts, by a probe
 * write, so a run is not thrown away at its end for a path it cannot write.
 */
public final class OutputFiles {
  private OutputFiles() {}

  /** Writes into a path it is given; the path is a temporary file beside the target. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(Path tmp) throws IOException;
  }

  /**
   * Writes {@code target} atomically: {@code writer} creates and fills a temporary file (a path
   * that does not exist yet) in the target's folder (created when missing), named after the target
   * and ending in {@code tmpSuffix}, which then replaces the target in one move (a plain move where
   * the file system cannot move atomically). The temporary file is deleted whatever happens; the
   * target gets the permissions any new file gets (the umask's).
   */
  public static void replace(Path target, String tmpSuffix, Writer writer) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    // not Files.createTempFile: its owner-only permissions would stay on the target after the move
    Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + tmpSuffix);
    try {
      writer.writeTo(tmp);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** {@link #replace} with the given bytes. */
  public static void write(Path target, byte[] bytes) throws IOException {
    replace(target, ".tmp", tmp -> Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
  }

  /** {@link #replace} with the given text in UTF-8. */
  public static void writeString(Path target, String text) throws IOException {
    write(target, text.getBytes(StandardCharsets.UTF_8));
  }

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /**
   * Checks, by creating and deleting a probe file beside it, that {@code file} can be written
   * (its folder is created when missing, as writing would).
   *
   * @param option how the user named it, e.g. {@code --report}
   * @throws SplitstreamException one line naming the option, the path, the reason and the remedy
   */
  public static void checkWritableFile(Path file, String option) {
    String remedy = "; give " + option + " a file in a writable folder";
    if (file.toString().isBlank()) {
      throw new SplitstreamException(option + " is empty" + remedy);
    }
    if (Files.isDirectory(file)) {
      throw new SplitstreamException(option + " " + file + " is a folder" + remedy + ", e.g. " + file.resolve("out.json"));
    }
    probe(file.toAbsolutePath().getParent(), option + " " + file, remedy);
  }

  /** Checks that {@code dir} is, or can be made, a writable folder (by a probe file in it). */
  public static void checkWritableDir(Path dir, String option) {
    String remedy = "; give " + option + " a writable folder";
    if (dir.toString().isBlank()) {
      throw new SplitstreamException(option + " is empty" + remedy);
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new SplitstreamException(option + " " + dir + " is a file, not a folder" + remedy);
    }
    probe(dir.toAbsolutePath(), option + " " + dir, remedy);
  }

  private static void probe(Path dir, String what, String remedy) {
    try {
      Files.createDirectories(dir);
    } catch (IOException | UnsupportedOperationException e) {
      throw new SplitstreamException("cannot write " + what + ": its folder cannot be created (" + reason(e) + ")"
          + remedy, e);
    }
    try {
      Files.delete(Files.createTempFile(dir, ".splitstream-probe-", ".tmp"));
    } catch (IOException | UnsupportedOperationException e) {
      String why = e instanceof FileSystemException fs ? fsReason(fs) : reason(e);
      throw new SplitstreamException("cannot write " + what + ": folder " + dir + " does not take new files ("
          + why + ")" + remedy, e);
    }
  }

  /**
   * The reason an I/O operation failed, in words and on one line: the file system's own reason
   * where it gives one ("Permission denied", "No such file or directory"), else a plain name for
   * the kind of failure; never a bare path or an exception class.
   */
  public static String reason(Throwable e) {
    if (e instanceof FileSystemException fs) {
      String file = fs.getFile();
      return (file == null ? "" : file + ": ") + fsReason(fs);
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : oneLine(m);
  }

  private static String fsReason(FileSystemException e) {
    String r = e.getReason();
    if (r != null && !r.isBlank()) {
      return oneLine(r);
    }
    return e instanceof AccessDeniedException ? "permission denied"
        : e instanceof NoSuchFileException ? "no such file or folder"
        : e instanceof FileAlreadyExistsException ? "it already exists"
        : e instanceof NotDirectoryException ? "not a folder"
        : "the file system refused it";
  }

  private static String oneLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).trim();
  }
}
