package io.livewarehouse.support;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium for the browser tests, from Debian's {@code chromium} and {@code chromium-driver}
 * packages. When they are missing and the tests run as root with apt-get (a fresh CI machine), they are
 * installed first; otherwise (or when that install fails) the test is skipped with a message saying why.
 */
public final class Chromium {

    private static final Path BROWSER = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private Chromium() {
    }

    /** A headless browser with a window large enough for the dashboard. */
    public static ChromeDriver start() throws IOException, InterruptedException {
        ensureInstalled();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        // --no-sandbox: Chromium refuses to run as root with its sandbox (CI runs as root).
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1700", "--lang=en-US", "--user-data-dir=" + Files.createTempDirectory("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static synchronized void ensureInstalled() throws IOException, InterruptedException {
        if (Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER)) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean apt = new File("/usr/bin/apt-get").canExecute();
        Assumptions.assumeTrue(root && apt, "the browser tests need Debian's chromium and chromium-driver: "
                + "apt-get install chromium chromium-driver");
        for (List<String> command : List.of(List.of("apt-get", "update", "-q"),
                List.of("apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"))) {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/apt-chromium.log")));
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            process.getOutputStream().close();
            // A machine that cannot install packages is not a failure of the dashboard: skip, saying why.
            boolean done = process.waitFor(15, TimeUnit.MINUTES);
            Assumptions.assumeTrue(done && process.exitValue() == 0, String.join(" ", command)
                    + " failed, so the browser tests cannot run here; see target/apt-chromium.log");
        }
    }
}
