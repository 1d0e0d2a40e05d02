package io.livewarehouse.support;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tools a test needs from Debian packages (a browser, a container runtime). When one is missing and the tests
 * run as root with apt-get (a fresh CI machine) the packages are installed first; otherwise, or when the
 * install fails, the test is skipped with a message saying why and what to install.
 */
public final class DebianPackages {

    private DebianPackages() {
    }

    /** Makes sure every one of {@code programs} is there, installing {@code packages} if not; else skips. */
    public static synchronized void ensure(String purpose, List<Path> programs, String... packages)
            throws IOException, InterruptedException {
        if (programs.stream().allMatch(Files::isExecutable)) {
            return;
        }
        String install = "apt-get install " + String.join(" ", packages);
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean apt = new File("/usr/bin/apt-get").canExecute();
        Assumptions.assumeTrue(root && apt, purpose + " needs " + programs + ": " + install);
        File log = new File("target/apt-" + packages[0] + ".log");
        List<String> installing = new ArrayList<>(List.of("apt-get", "install", "-y", "-q", "--no-install-recommends"));
        installing.addAll(List.of(packages));
        for (List<String> command : List.of(List.of("apt-get", "update", "-q"), installing)) {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            process.getOutputStream().close();
            // A machine that cannot install packages is not a failure of what is tested: skip, saying why.
            boolean done = process.waitFor(15, TimeUnit.MINUTES);
            Assumptions.assumeTrue(done && process.exitValue() == 0, String.join(" ", command) + " failed, so "
                    + purpose + " cannot run here; see " + log);
        }
    }
}
