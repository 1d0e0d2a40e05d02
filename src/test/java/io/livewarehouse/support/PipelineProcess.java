package io.livewarehouse.support;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged pipeline ({@code target/quarkus-app/quarkus-run.jar}) run as its own process, the way
 * production runs it, so that tests can kill it for real. Each start appends to one output file.
 */
public final class PipelineProcess {

    /** The operator the packaged pipeline is started with, and whose credentials every call but a probe's sends. */
    public static final String OPERATOR = "it_operator";
    public static final String OPERATOR_PASSWORD = "it-" + Long.toHexString(new java.util.Random().nextLong());

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    private final Path workDirectory;
    private final Map<String, String> environment;
    private final Path output;
    /** This pipeline and the variants made from it with {@link #with}: one work folder, one process at a time. */
    private final List<PipelineProcess> family;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private int httpPort;
    private int managementPort;
    private long outputOffset;
    private List<String> user = List.of();
    private List<String> javaOptions = List.of("-Xmx512m");
    /** {@code podman run ...} and the image, when the pipeline runs as its container image instead of the jar. */
    private List<String> container;

    /**
     * The packaged pipeline against {@code database} of a test's own PostgreSQL, on its defaults, with its
     * warehouse ({@code warehouse.duckdb}) and state in {@code work}; then further settings as environment
     * variable name, value pairs.
     */
    public static PipelineProcess against(Path work, io.livewarehouse.demo.EmbeddedSource source, String database,
                                          String... settings) {
        Map<String, String> environment = new java.util.HashMap<>(Map.of(
                "PIPELINE_SOURCE_HOST", "localhost",
                "PIPELINE_SOURCE_PORT", Integer.toString(source.port()),
                "PIPELINE_SOURCE_DATABASE", database,
                "PIPELINE_SOURCE_PASSWORD", "embedded",
                "PIPELINE_WAREHOUSE_DUCKDB_PATH", work.resolve("warehouse.duckdb").toString(),
                "PIPELINE_STATE_DIR", work.resolve("state").toString()));
        for (int i = 0; i + 1 < settings.length; i += 2) {
            environment.put(settings[i], settings[i + 1]);
        }
        return new PipelineProcess(work, environment);
    }

    /** The same pipeline (work folder, warehouse, state) with one setting changed, as an operator restarts it. */
    public PipelineProcess with(String name, String value) {
        Map<String, String> changed = new java.util.HashMap<>(environment);
        changed.put(name, value);
        PipelineProcess variant = new PipelineProcess(workDirectory, changed, family);
        family.add(variant);
        return variant;
    }

    public PipelineProcess(Path workDirectory, Map<String, String> environment) {
        this(workDirectory, environment, new java.util.concurrent.CopyOnWriteArrayList<>());
        family.add(this);
    }

    private PipelineProcess(Path workDirectory, Map<String, String> environment, List<PipelineProcess> family) {
        this.workDirectory = workDirectory;
        this.environment = new java.util.HashMap<>(environment);
        // Production's access rules with one operator, as whom the tests call (see request), unless the test
        // sets the users itself (an empty PIPELINE_SECURITY_USERS: none, the pages off).
        if (!environment.containsKey("PIPELINE_SECURITY_USERS")) {
            this.environment.put("PIPELINE_SECURITY_USERS", OPERATOR + ":operator");
            this.environment.put("PIPELINE_SECURITY_PASSWORD_" + OPERATOR.toUpperCase(), OPERATOR_PASSWORD);
        }
        this.output = workDirectory.resolve("pipeline.log");
        this.family = family;
    }

    /**
     * SIGKILL to this pipeline and to every variant made from it ({@link #with}) that still runs: for a test's
     * finally block, so that a failed assertion leaves no process behind.
     */
    public void killAll() throws InterruptedException {
        for (PipelineProcess member : family) {
            if (member.isAlive()) {
                member.kill();
            }
        }
    }

    /**
     * Runs the pipeline as that user and group, as a container image with {@code USER} does (the current
     * process must be root to switch; {@code setpriv} execs java, so signals reach the JVM itself).
     */
    public PipelineProcess asUser(int uid, int gid) {
        this.user = List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups");
        return this;
    }

    /**
     * Runs the pipeline as a container image instead of the jar: {@code run} is the runtime's command up to
     * the image ({@code podman run --rm --network host ...}), given this pipeline's environment as {@code -e}
     * options (the image's own, such as its state folder, stay unless a test sets them). Signals go to the
     * runtime's client, which passes them to the container (podman's --sig-proxy, on by default).
     */
    public PipelineProcess inContainer(List<String> run, String image) {
        List<String> command = new java.util.ArrayList<>(run);
        command.add(image);
        this.container = command;
        return this;
    }

    /** JVM options instead of the default -Xmx512m (what the benchmark runs the pipeline with; the image sets its own). */
    public PipelineProcess javaOptions(String... options) {
        this.javaOptions = List.of(options);
        return this;
    }

    public void start() throws IOException {
        httpPort = freePort();
        managementPort = freePort();
        outputOffset = Files.exists(output) ? Files.size(output) : 0;
        Map<String, String> ports = Map.of("QUARKUS_HTTP_PORT", Integer.toString(httpPort),
                "QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        List<String> command = new java.util.ArrayList<>(user);
        if (container != null) {
            command.addAll(container.subList(0, container.size() - 1));
            for (Map<String, String> variables : List.of(environment, ports)) {
                variables.forEach((name, value) -> command.addAll(List.of("-e", name + "=" + value)));
            }
            command.add(container.get(container.size() - 1));
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(javaOptions);
            command.addAll(List.of("-jar", JAR.toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("PIPELINE_") || name.startsWith("QUARKUS_"));
        builder.environment().putAll(environment);
        builder.environment().putAll(ports);
        builder.environment().put("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true");
        process = builder.start();
    }

    /** The output of the current run. */
    public String output() throws IOException {
        byte[] all = Files.readAllBytes(output);
        return new String(all, (int) Math.min(outputOffset, all.length), (int) Math.max(0, all.length - outputOffset),
                StandardCharsets.UTF_8);
    }

    public void awaitOutput(String text, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                .until(() -> output().contains(text) || !process.isAlive());
        if (!process.isAlive()) {
            throw new AssertionError("the pipeline exited while waiting for \"" + text + "\"");
        }
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the pipeline did not stop by itself within " + timeout);
        }
        return process.exitValue();
    }

    /** An HTTP answer: status and body; status -1 while the application does not answer. */
    public record Answer(int status, String body) {
    }

    /** A GET: probes and metrics (/q/...) on the management port, without credentials; the rest as the operator. */
    public Answer get(String path) {
        return send(request(path).GET());
    }

    public Answer post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** A GET on the HTTP port with no credentials (what anyone who reaches the port gets). */
    public Answer anonymousGet(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path)).GET());
    }

    private HttpRequest.Builder request(String path) {
        if (path.startsWith("/q/")) {
            return HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + path));
        }
        String credentials = java.util.Base64.getEncoder().encodeToString(
                (OPERATOR + ":" + OPERATOR_PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                .header("Authorization", "Basic " + credentials);
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(-1, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, null);
        }
    }

    /**
     * As an orchestrator probes a start: started (its initial snapshot in staging) within {@code startup},
     * then ready within a minute, and alive.
     */
    public void awaitStartedReadyAndLive(Duration startup) {
        Awaitility.await().atMost(startup).pollInterval(Duration.ofMillis(500))
                .until(() -> get("/q/health/started").status() == 200);
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .until(() -> readinessStatus() == 200);
        org.assertj.core.api.Assertions.assertThat(get("/q/health/live").status()).isEqualTo(200);
    }

    /** The readiness document, or null while the application does not answer. */
    public String readiness() {
        return get("/q/health/ready").body();
    }

    /** The HTTP status of readiness, or -1 while the application does not answer. */
    public int readinessStatus() {
        return get("/q/health/ready").status();
    }

    /** A text value from the readiness data ("phase": "streaming"), or null. */
    public String readinessText(String name) {
        String body = readiness();
        if (body == null) {
            return null;
        }
        Matcher matcher = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(body);
        return matcher.find() ? matcher.group(1) : null;
    }

    /** A number from the readiness data ("stagedTransactionId": 1234), or -1 while not answering. */
    public long readinessNumber(String name) {
        String body = readiness();
        if (body == null) {
            return -1;
        }
        Matcher matcher = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(-?\\d+)").matcher(body);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    /**
     * Commits a marker transaction at the source (customer 1's email) and waits until staging holds it: the
     * pipeline has then caught up with everything the source committed before. Returns its transaction id.
     */
    /** The source's clock now: a commit after it is one the marts must have applied (see {@link #awaitMartsApplied}). */
    public static java.time.OffsetDateTime sourceNow(java.sql.Connection source) throws java.sql.SQLException {
        try (java.sql.Statement statement = source.createStatement(); java.sql.ResultSet row = statement.executeQuery(
                "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")) {
            row.next();
            return java.time.OffsetDateTime.parse(row.getString(1));
        }
    }

    /** Until the marts have applied source commits up to {@code since} (readiness' appliedSourceCommit). */
    public void awaitMartsApplied(java.time.OffsetDateTime since) {
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            String applied = readinessText("appliedSourceCommit");
            return applied != null && !applied.equals("null") && !java.time.OffsetDateTime.parse(applied).isBefore(since);
        });
    }

    /** Until one run of the data tests passes them all, the reconciliation of payments with the source included. */
    public void awaitDataTestsPass() {
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            Answer tests = post("/pipeline/data-tests");
            org.assertj.core.api.Assertions.assertThat(tests.status()).isEqualTo(200);
            org.assertj.core.api.Assertions.assertThat(tests.body()).contains("reconcile_payment_amount_sum")
                    .doesNotContain("\"failed\"").doesNotContain("\"pending\"").doesNotContain("\"error\"");
        });
    }

    public long awaitCaughtUp(java.sql.Connection source) throws java.sql.SQLException {
        return awaitCaughtUp(source, Duration.ofMinutes(2));
    }

    /** As {@link #awaitCaughtUp(java.sql.Connection)}, for at most {@code timeout}. */
    public long awaitCaughtUp(java.sql.Connection source, Duration timeout) throws java.sql.SQLException {
        long transaction;
        source.setAutoCommit(false);
        try (java.sql.Statement statement = source.createStatement()) {
            statement.execute("update public.customer set email = 'sentinel@example.com' where customer_id = 1");
            try (java.sql.ResultSet row = statement.executeQuery("select txid_current()")) {
                row.next();
                transaction = row.getLong(1);
            }
            source.commit();
        } finally {
            source.setAutoCommit(true);
        }
        return awaitStaged(transaction, timeout);
    }

    /** Waits until staging holds the source transaction {@code transaction} (and so everything before it). */
    public long awaitStaged(long transaction) {
        return awaitStaged(transaction, Duration.ofMinutes(2));
    }

    /** As {@link #awaitStaged(long)}, for at most {@code timeout}. */
    public long awaitStaged(long transaction, Duration timeout) {
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> readinessNumber("stagedTransactionId") >= transaction);
        return transaction;
    }

    /** The running process's id. */
    public long pid() {
        return process.pid();
    }

    /** The most resident memory the running process has used so far (VmHWM), in bytes; 0 where unknown. */
    public long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    /** SIGKILL: no shutdown hook, no flush, no offset commit. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        note("--- killed with SIGKILL ---");
    }

    /** SIGTERM, then wait for the process to end; returns its exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the pipeline did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public Path outputFile() {
        return output;
    }

    private void note(String line) {
        try {
            Files.writeString(output, "\n" + line + "\n", StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // Only a marker for people reading the log.
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
