package io.splitstream.loadgen.recording;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A CSV file of numbers, read whole with Commons CSV: an optional header line (a first line whose
 * cells are not all numbers names the columns), blank lines and {@code #} comments skipped, cells
 * trimmed. Every row must have as many cells as the first; every cell must be a finite number.
 * A file that breaks either rule is refused with one line naming the file, the line, the field and
 * what is wrong, so a user can fix the file without reading code.
 *
 * @param columns the header's names, or {@code c0, c1, ...} when the file has none
 * @param rows the numbers, one array per row, each of {@code columns.size()} values
 * @param lines the file line number of each row (1-based), for later messages (e.g. a timestamp
 *     going back)
 */
public record NumericCsv(Path file, List<String> columns, List<double[]> rows, int[] lines) {
  public NumericCsv {
    columns = List.copyOf(columns);
    rows = List.copyOf(rows);
  }

  /**
   * Reads {@code file}.
   *
   * @param what how the user calls it in messages, e.g. {@code "sensor recording"}
   * @throws SplitstreamException for a missing or unreadable file, a ragged row, a non-numeric cell,
   *     or no rows at all
   */
  public static NumericCsv read(Path file, String what) {
    CSVFormat format = CSVFormat.DEFAULT.builder().setIgnoreEmptyLines(true).setCommentMarker('#')
        .setIgnoreSurroundingSpaces(true).get();
    List<double[]> rows = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    List<String> columns = null;
    try (Reader in = Files.newBufferedReader(file); CSVParser parser = CSVParser.parse(in, format)) {
      long lineBefore = parser.getCurrentLineNumber();
      for (CSVRecord r : parser) {
        long line = lineOf(r, lineBefore, parser);
        lineBefore = parser.getCurrentLineNumber();
        if (columns == null) {
          columns = new ArrayList<>();
          boolean header = false;
          for (String cell : r) {
            header |= parse(cell).isEmpty();
          }
          for (int i = 0; i < r.size(); i++) {
            columns.add(header ? r.get(i) : "c" + i);
          }
          if (header) {
            continue;
          }
        }
        if (r.size() != columns.size()) {
          throw new SplitstreamException(what + " " + file + " line " + line + ": " + r.size() + " fields, but "
              + (rows.isEmpty() && columns.get(0).equals("c0") ? "the first row has " : "the header names ")
              + columns.size() + " (" + String.join(", ", columns) + "): every row needs one value per column");
        }
        double[] v = new double[r.size()];
        List<String> names = columns;
        for (int i = 0; i < r.size(); i++) {
          int field = i;
          v[i] = parse(r.get(i)).orElseThrow(() -> new SplitstreamException(what + " " + file + " line " + line
              + ", field " + (field + 1) + " (" + names.get(field) + "): '" + r.get(field)
              + "' is not a number: every cell after the header must be a finite number"));
        }
        rows.add(v);
        lines.add((int) line);
      }
    } catch (NoSuchFileException e) {
      throw new SplitstreamException(what + " " + file + " does not exist: give the path of a CSV file", e);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new SplitstreamException(what + " " + file + " cannot be read as CSV: " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw new SplitstreamException(what + " " + file + " has no rows of numbers: give a CSV file with at least one");
    }
    return new NumericCsv(file, columns, rows, lines.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The 1-based line a record starts on: the line after the previous record ended, past skipped lines. */
  private static long lineOf(CSVRecord r, long lineBefore, CSVParser parser) {
    // getCurrentLineNumber counts the line breaks read so far: after this record, its own last line
    long after = parser.getCurrentLineNumber();
    return Math.max(lineBefore + 1, after);
  }

  /** The index of the column named {@code name}, or empty. */
  public Optional<Integer> column(String name) {
    int i = columns.indexOf(name);
    return i < 0 ? Optional.empty() : Optional.of(i);
  }

  private static Optional<Double> parse(String cell) {
    try {
      double d = Double.parseDouble(cell);
      return Double.isFinite(d) ? Optional.of(d) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
