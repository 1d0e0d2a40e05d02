package io.livewarehouse.security;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Who gets in, as production has it (security on, probes on the management port): nobody without credentials
 * or with wrong ones, a reader to the pages, the marts and their exports but not to an operation, an operator
 * to both, by HTTP basic or by an OIDC bearer token; the probes and metrics open; no credential in the log.
 */
@QuarkusTest
@TestProfile(AccessTest.Secured.class)
class AccessTest {

    static final String OPERATOR_PASSWORD = "op-" + System.nanoTime();
    static final String READER_PASSWORD = "rd-" + System.nanoTime();
    static final KeyPair ISSUER = keys();
    static final int MANAGEMENT_PORT = freePort();

    /** Production's access rules, with users, an OIDC key and the management interface on a port of its own. */
    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pipeline.security.enabled", "true",
                    "pipeline.security.users", "ana:operator,ben:reader",
                    "pipeline.security.password.ana", OPERATOR_PASSWORD,
                    "pipeline.security.password.ben", READER_PASSWORD,
                    "pipeline.security.oidc.enabled", "true",
                    "quarkus.oidc.public-key", Base64.getEncoder().encodeToString(ISSUER.getPublic().getEncoded()),
                    "pipeline.marts.enabled", "true",
                    "quarkus.management.enabled", "true",
                    "quarkus.management.test-port", Integer.toString(MANAGEMENT_PORT));
        }
    }

    private static final List<String> LOGGED = Collections.synchronizedList(new ArrayList<>());
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOGGED.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void captureTheLog() {
        Logger.getLogger("").addHandler(CAPTURE);
    }

    @AfterAll
    static void noCredentialWasLogged() {
        Logger.getLogger("").removeHandler(CAPTURE);
        assertThat(LOGGED).isNotEmpty().noneMatch(line -> line.contains(OPERATOR_PASSWORD) || line.contains(READER_PASSWORD));
    }

    private static final List<String> PAGES = List.of("/", "/pipeline.html", "/api/pipeline", "/api/dashboard",
            "/api/marts", "/pipeline/data-tests");
    private static final List<String> OPERATIONS = List.of("/pipeline/marts/refresh", "/pipeline/marts/rebuild",
            "/pipeline/data-tests", "/pipeline/tables/public.actor/resync");

    @BeforeEach
    void martsBuilt() {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(2)).untilAsserted(() ->
                as("ana").get("/api/dashboard").then().statusCode(200));
    }

    @Test
    void withoutCredentialsNothingButTheProbesAnswers() {
        for (String page : PAGES) {
            given().get(page).then().statusCode(401).header("WWW-Authenticate", org.hamcrest.Matchers.matchesPattern("(?i)basic.*"));
        }
        given().accept("text/csv").get("/api/marts/dim_customer").then().statusCode(401);
        for (String operation : OPERATIONS) {
            given().post(operation).then().statusCode(401);
        }
        given().port(MANAGEMENT_PORT).get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().port(MANAGEMENT_PORT).get("/q/health/started").then().statusCode(org.hamcrest.Matchers.oneOf(200, 503));
        given().port(MANAGEMENT_PORT).get("/q/metrics").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(org.hamcrest.Matchers.not(200));
    }

    @Test
    void aWrongPasswordOrAnUnknownUserIsRefused() {
        given().auth().preemptive().basic("ana", READER_PASSWORD).get("/api/pipeline").then().statusCode(401);
        given().auth().preemptive().basic("nobody", OPERATOR_PASSWORD).get("/api/pipeline").then().statusCode(401);
        given().auth().preemptive().basic("ana", "").post("/pipeline/marts/refresh").then().statusCode(401);
    }

    @Test
    void aReaderReadsThePagesAndTheMartsButRunsNoOperation() {
        for (String page : PAGES) {
            as("ben").get(page).then().statusCode(200);
        }
        as("ben").accept("text/csv").get("/api/marts/dim_customer").then().statusCode(200);
        for (String operation : OPERATIONS) {
            as("ben").post(operation).then().statusCode(403);
        }
    }

    @Test
    void anOperatorRunsTheOperations() {
        as("ana").get("/pipeline.html").then().statusCode(200);
        as("ana").post("/pipeline/data-tests").then().statusCode(200);
        // Authorised, and answered by the resource itself: no such table.
        as("ana").post("/pipeline/tables/public.no_such_table/resync").then().statusCode(404);
    }

    @Test
    void anOidcBearerTokenCarriesItsRoles() {
        given().auth().oauth2(token(ISSUER.getPrivate(), "carla", "operator")).post("/pipeline/data-tests")
                .then().statusCode(200);
        given().auth().oauth2(token(ISSUER.getPrivate(), "dev", "reader")).get("/api/marts").then().statusCode(200);
        given().auth().oauth2(token(ISSUER.getPrivate(), "dev", "reader")).post("/pipeline/data-tests")
                .then().statusCode(403);
        given().auth().oauth2(token(keys().getPrivate(), "mallory", "operator")).post("/pipeline/data-tests")
                .then().statusCode(401);
    }

    private static RequestSpecification as(String user) {
        return given().auth().preemptive().basic(user, user.equals("ana") ? OPERATOR_PASSWORD : READER_PASSWORD);
    }

    /** An RS256 JWT as an OIDC provider signs it, with the role in the groups claim. */
    static String token(PrivateKey key, String subject, String role) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        long now = Instant.now().getEpochSecond();
        String header = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = url.encodeToString(("{\"iss\":\"https://issuer.test\",\"sub\":\"" + subject + "\","
                + "\"groups\":[\"" + role + "\"],\"iat\":" + now + ",\"exp\":" + (now + 300) + "}")
                .getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return header + "." + claims + "." + url.encodeToString(signature.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
