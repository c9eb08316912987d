package io.splitstream.pipeline.server;

import static io.splitstream.pipeline.server.LiveRun.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live page in a real browser: Debian's chromium, headless, driven by chromedriver through
 * Selenium (the driver and browser given by path, so Selenium Manager downloads nothing), with a
 * fresh profile, during a real-time run on the emulated Snapdragon 855. Leaves a screenshot at
 * {@code pipeline/target/live-page.png}.
 */
class LivePageBrowserTest {
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  private static LiveRun run;
  private static ChromeDriver browser;
  private static Path profile;

  @BeforeAll
  static void start() throws Exception {
    assertThat(new File(CHROMIUM).canExecute()).as("Debian's chromium at " + CHROMIUM
        + " (apt-get install chromium chromium-driver)").isTrue();
    assertThat(new File(CHROMEDRIVER).canExecute()).as("chromedriver at " + CHROMEDRIVER
        + " (apt-get install chromium-driver)").isTrue();
    // Selenium Manager is never to fetch a driver or browser: both are given by path (and the
    // module's surefire sets SE_MANAGER_PATH to a binary that only fails, should it be called)
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    run = LiveRun.emulated(Duration.ofMinutes(5));
    profile = Files.createTempDirectory("splitstream-chromium-profile");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--window-size=1400,1300");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (run != null) {
        run.close();
      }
      if (profile != null) {
        try (var files = Files.walk(profile)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private static long number(String id) {
    String t = browser.findElement(By.id(id)).getText().trim();
    return t.isEmpty() || !t.chars().allMatch(Character::isDigit) ? -1 : Long.parseLong(t);
  }

  @Test
  void showsTheCurrentPlanAndCountsThatRiseWithNothingFetchedFromElsewhere() throws Exception {
    browser.get(run.server.baseUri() + "/");
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    wait.until(b -> number("completed") > 0);

    JsonNode status = Api.status(run.server);
    wait.until(b -> b.findElement(By.id("plan-label")).getText().equals(Api.status(run.server).at("/plan/label").asText()));
    assertThat(browser.findElement(By.id("model")).getText()).isEqualTo("mobilenet-small");
    assertThat(browser.findElement(By.id("platform")).getText()).endsWith("(emulated)");

    long first = number("completed");
    wait.until(b -> number("completed") > first + 100);

    // by hand to the CPU alone: the page follows, one stage on an emulated processor
    assertThat(Api.send(run.server, "POST", "/api/v1/plan", "{\"split\":\"0:cpu\"}", TOKEN).statusCode()).isEqualTo(200);
    wait.until(b -> b.findElement(By.id("plan-label")).getText().equals("0:cpu"));
    wait.until(b -> b.findElements(By.cssSelector("#plan .stage")).size() == 1);
    WebElement stage = browser.findElement(By.cssSelector("#plan .stage"));
    assertThat(stage.getText()).contains("100 % of bottleneck").contains("cpu").contains("emulated");
    assertThat(browser.findElements(By.cssSelector("#processors tbody tr"))).hasSize(3);
    assertThat(browser.findElements(By.cssSelector("#processors .badge.emulated"))).hasSize(3);
    wait.until(b -> b.findElement(By.id("by-hand")).getText().contains("chosen by hand"));
    assertThat(browser.findElement(By.cssSelector("#decisions tbody")).getText()).doesNotContain("no switch yet");
    wait.until(b -> Integer.parseInt(b.findElement(By.id("epoch")).getText()) >= status.at("/plan/epoch").asInt());

    // both charts drew (uPlot canvases) and have points
    assertThat(browser.findElements(By.cssSelector("#fps-chart canvas, #latency-chart canvas"))).hasSizeGreaterThanOrEqualTo(2);
    JavascriptExecutor js = browser;
    wait.until(b -> ((Number) js.executeScript(
        "return document.querySelectorAll('.u-legend').length")).intValue() == 2);

    @SuppressWarnings("unchecked")
    List<String> fetched = (List<String>) js.executeScript(
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href])");
    assertThat(fetched).isNotEmpty().allSatisfy(u -> assertThat(u).startsWith(run.server.baseUri() + "/"));
    assertThat(fetched).anyMatch(u -> u.endsWith("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js"));

    Path shot = Path.of("target", "live-page.png");
    Files.createDirectories(shot.getParent());
    Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    assertThat(Files.size(shot)).isGreaterThan(10_000);
  }

  @Test
  void snapshotRendersThePageToAPngFromTheCli() throws Exception {
    Path out = Files.createTempFile("splitstream-snapshot", ".png");
    try {
      java.io.StringWriter o = new java.io.StringWriter();
      java.io.StringWriter e = new java.io.StringWriter();
      int code = io.splitstream.pipeline.cli.Main.execute(new String[] {"snapshot", "--url",
          run.server.baseUri() + "/", "--out", out.toString(), "--wait", "2s"},
          new java.io.PrintWriter(o, true), new java.io.PrintWriter(e, true));
      assertThat(code).as(e.toString()).isZero();
      assertThat(o.toString()).startsWith("snapshot: " + out.toAbsolutePath());
      byte[] png = Files.readAllBytes(out);
      assertThat(png).hasSizeGreaterThan(20_000);
      assertThat(java.util.Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
      Files.copy(out, Path.of("target", "live-page-snapshot.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

      java.io.StringWriter err = new java.io.StringWriter();
      int bad = io.splitstream.pipeline.cli.Main.execute(new String[] {"snapshot", "--url", "ftp://x", "--out",
          out.toString()}, new java.io.PrintWriter(new java.io.StringWriter(), true), new java.io.PrintWriter(err, true));
      assertThat(bad).isEqualTo(2);
      assertThat(err.toString().strip()).startsWith("error: --url 'ftp://x' is not an http URL").doesNotContain("\n");
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
