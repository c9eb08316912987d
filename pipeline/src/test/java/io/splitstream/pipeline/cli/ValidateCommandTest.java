package io.splitstream.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The held-out errors {@code validate} prints are computed (profile cost model on the generated
 * architectures), not timed, so they are the same on every run: a change to the cost model or a
 * profile that makes a phone profile predict its held-out figures worse fails here.
 */
class ValidateCommandTest {
  private static final Pattern SUMMARY =
      Pattern.compile("(?m)^(\\S+)\\s+held-out: (\\d+) figures, median error ([0-9.]+)%, worst ([0-9.]+)%");

  private static Map<String, double[]> summaries(String table) {
    Map<String, double[]> out = new LinkedHashMap<>();
    Matcher m = SUMMARY.matcher(table);
    while (m.find()) {
      out.put(m.group(1), new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
          Double.parseDouble(m.group(4))});
    }
    return out;
  }

  @Test
  void everyPhoneProfilePredictsItsHeldOutFiguresWithinTheGoal() {
    String first = ValidateCommand.render();
    assertThat(ValidateCommand.render()).as("deterministic").isEqualTo(first);
    Map<String, double[]> s = summaries(first);
    assertThat(s).containsOnlyKeys("sd855-pixel4", "sd845-pixel3", "kirin990-mate30");
    assertThat(s.get("sd855-pixel4")[0]).isEqualTo(6);
    assertThat(s.get("sd845-pixel3")[0]).isEqualTo(8);
    assertThat(s.get("kirin990-mate30")[0]).isEqualTo(4);
    // the goal (issue 11): median <= 25 % on held-out figures, for every phone profile
    s.forEach((profile, f) -> assertThat(f[1]).as(profile + " median").isLessThanOrEqualTo(25));
    // and no profile's worst miss grows past what it is (docs/profiles.md explains each)
    assertThat(s.get("sd855-pixel4")[2]).isLessThanOrEqualTo(28.2);
    assertThat(s.get("sd845-pixel3")[2]).isLessThanOrEqualTo(49.8);
    assertThat(s.get("kirin990-mate30")[2]).isLessThanOrEqualTo(26.4);
  }
}
