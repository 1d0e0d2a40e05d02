package io.livewarehouse.warehouse;

import io.livewarehouse.config.WarehouseSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.livewarehouse.types.ColumnType;
import io.livewarehouse.types.StagingColumn;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real Snowflake JDBC driver, through SnowflakeWarehouse, logs in to the emulator and runs statements. */
@Tag("unit")
class SnowflakeEmulatorTest {

    @TempDir
    Path work;

    private SnowflakeEmulator emulator;
    /** Logs in by password; each test's settings otherwise their defaults. Nothing logs in before its first use. */
    private SnowflakeWarehouse warehouse;

    @BeforeEach
    void start() throws Exception {
        emulator = new SnowflakeEmulator(work.resolve("emulated.duckdb"));
        warehouse = new SnowflakeWarehouse(settings(emulator.url()), work.resolve("state/snowflake"));
    }

    @AfterEach
    void stop() throws Exception {
        warehouse.close();
        emulator.close();
        // SnowflakeWarehouse points the driver's caches at the test's folder, which is about to go.
        System.clearProperty("net.snowflake.jdbc.ocspResponseCacheDir");
        System.clearProperty("net.snowflake.jdbc.temporaryCredentialCacheDir");
    }

    @Test
    void theRealDriverLogsInAndQueries() throws Exception {
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
            statement.execute("create table t (id integer, name varchar, amount decimal(9,2), ok boolean)");
            assertThat(statement.executeUpdate("insert into t values (1, 'one', 4.99, true), (2, null, 0.5, false)"))
                    .isEqualTo(2);
            try (ResultSet rows = statement.executeQuery("select id, name, amount, ok from t order by id")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(1);
                assertThat(rows.getString(2)).isEqualTo("one");
                assertThat(rows.getBigDecimal(3)).isEqualByComparingTo("4.99");
                assertThat(rows.getBoolean(4)).isTrue();
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(2)).isNull();
                assertThat(rows.next()).isFalse();
            }
        }
        // A closed connection goes back to the pool and is reused after a heartbeat, without a new login.
        long before = emulator.queries();
        try (Connection again = warehouse.connect(); Statement statement = again.createStatement();
             ResultSet row = statement.executeQuery("select count(*) from t")) {
            row.next();
            assertThat(row.getLong(1)).isEqualTo(2);
        }
        assertThat(emulator.queries()).isEqualTo(before + 1);
    }

    /** A staging column of every kind but JSON, as the batch tests append them. */
    private static final List<StagingColumn> EVERY_KIND = List.of(
                new StagingColumn("id", ColumnType.of(ColumnType.Kind.INTEGER)),
                new StagingColumn("small", ColumnType.of(ColumnType.Kind.SMALLINT)),
                new StagingColumn("big", ColumnType.of(ColumnType.Kind.BIGINT)),
                new StagingColumn("ratio", ColumnType.of(ColumnType.Kind.DOUBLE)),
                new StagingColumn("active", ColumnType.of(ColumnType.Kind.BOOLEAN)),
                new StagingColumn("amount", ColumnType.decimal(9, 2)),
                new StagingColumn("name", ColumnType.of(ColumnType.Kind.TEXT)),
                new StagingColumn("picture", ColumnType.of(ColumnType.Kind.BINARY)),
                new StagingColumn("born", ColumnType.of(ColumnType.Kind.DATE)),
                new StagingColumn("opens", ColumnType.of(ColumnType.Kind.TIME)),
                new StagingColumn("updated", ColumnType.of(ColumnType.Kind.TIMESTAMP)),
                new StagingColumn("committed", ColumnType.of(ColumnType.Kind.TIMESTAMPTZ)));

    @Test
    void aStagingBatchLandsThroughTheDriversArrayBinding() throws Exception {
        WarehouseDialect dialect = warehouse.dialect();
        List<StagingColumn> columns = EVERY_KIND;
        OffsetDateTime instant = OffsetDateTime.of(2026, 11, 26, 9, 30, 15, 123_456_000, ZoneOffset.ofHours(2));
        List<Object[]> rows = List.of(
                new Object[] {1, (short) 2, 3_000_000_000L, 0.25, true, new BigDecimal("4.99"), "Ann's", new byte[] {1, (byte) 0xff},
                        LocalDate.of(1990, 2, 28), LocalTime.of(8, 30, 0, 500_000_000),
                        LocalDateTime.of(2026, 1, 2, 3, 4, 5, 678_901_000), instant},
                new Object[] {2, null, null, null, null, null, null, null, null, null, null, null});
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
            statement.execute(dialect.statement("create-schemas").split(";")[0]);
            String table = dialect.quote(dialect.stagingSchema()) + "." + dialect.quote("probe");
            statement.execute(dialect.statement("create-staging-table", Map.of("table", table, "columns",
                    columns.stream().map(c -> dialect.quote(c.name()) + " " + dialect.typeOf(c.type()))
                            .collect(Collectors.joining(", ")))));
            long before = emulator.queries();
            dialect.append(connection, dialect.stagingSchema(), "probe", columns, rows);
            // One describe and one request for the whole batch: the rows went as array bindings.
            assertThat(emulator.queries() - before).isEqualTo(2);
        }
        warehouse.close();
        try (Statement look = emulator.duckdb().createStatement();
             ResultSet row = look.executeQuery("select id, small, big, ratio, active, amount, name, hex(picture), born, "
                     + "opens, updated, committed, typeof(committed) from staging.probe order by id")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getInt(1)).isEqualTo(1);
            assertThat(row.getShort(2)).isEqualTo((short) 2);
            assertThat(row.getLong(3)).isEqualTo(3_000_000_000L);
            assertThat(row.getDouble(4)).isEqualTo(0.25);
            assertThat(row.getBoolean(5)).isTrue();
            assertThat(row.getBigDecimal(6)).isEqualByComparingTo("4.99");
            assertThat(row.getString(7)).isEqualTo("Ann's");
            assertThat(row.getString(8)).isEqualTo("01FF");
            assertThat(row.getObject(9, LocalDate.class)).isEqualTo(LocalDate.of(1990, 2, 28));
            assertThat(row.getObject(10, LocalTime.class)).isEqualTo(LocalTime.of(8, 30, 0, 500_000_000));
            assertThat(row.getObject(11, LocalDateTime.class)).isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4, 5, 678_901_000));
            assertThat(row.getObject(12, OffsetDateTime.class).toInstant()).isEqualTo(instant.toInstant());
            assertThat(row.next()).isTrue();
            for (int column = 2; column <= 12; column++) {
                assertThat(row.getObject(column)).as("column %d of the row of NULLs", column).isNull();
            }
        }
    }

    @Test
    void largeBatchesStayBelowTheStageThresholdSoTheDriverRunsNoDdlInTheirTransaction() throws Exception {
        emulator.stageBindingThreshold(30);
        SnowflakeDialect dialect = (SnowflakeDialect) warehouse.dialect();
        List<StagingColumn> columns = List.of(new StagingColumn("id", ColumnType.of(ColumnType.Kind.INTEGER)),
                new StagingColumn("name", ColumnType.of(ColumnType.Kind.TEXT)),
                new StagingColumn("amount", ColumnType.decimal(9, 2)),
                new StagingColumn("day", ColumnType.of(ColumnType.Kind.DATE)));
        List<Object[]> rows = java.util.stream.IntStream.range(0, 23).mapToObj(i -> new Object[] {
                i, "row " + i, new BigDecimal(i + ".25"), LocalDate.of(2026, 1, 1).plusDays(i)}).toList();
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
            statement.execute("create table probe (id integer, name varchar, amount decimal(9,2), day date)");
            connection.setAutoCommit(false);
            // The session's threshold was read at login: 30 bound values, so 7 rows of 4 columns a request.
            assertThat(dialect.rowsPerArrayBinding(columns.size())).isEqualTo(7);
            dialect.append(connection, "main", "probe", columns, rows);
            connection.commit();
            assertThat(emulator.largestArrayBinding()).as("bound values in one request").isEqualTo(28);
            assertThat(emulator.failures()).isEmpty();
            assertThat(count(statement, "select count(*) from probe")).isEqualTo(23);
            assertThat(count(statement, "select cast(sum(amount) * 100 as integer) from probe")).isEqualTo(23 * 22 / 2 * 100 + 23 * 25);

            // What the limit prevents: a batch at the threshold makes the driver create its temporary stage,
            // DDL that commits the open transaction (the emulator takes no stage and records the attempt;
            // the driver then sends the rows inline).
            dialect.stageBindingThreshold(0);
            dialect.append(connection, "main", "probe", columns, rows);
            connection.rollback();
            assertThat(emulator.failures()).anyMatch(failure -> failure.toLowerCase(java.util.Locale.ROOT)
                    .contains("create temporary stage"));
        }
    }

    @Test
    void transactionsAreTheSessionsOwnAndDdlCommitsTheOpenOne() throws Exception {
        try (Connection writer = warehouse.connect(); Connection reader = warehouse.connect();
             Statement writes = writer.createStatement(); Statement reads = reader.createStatement()) {
            writes.execute("create table t (id integer)");
            writer.setAutoCommit(false);
            writes.executeUpdate("insert into t values (1)");
            assertThat(count(reads, "select count(*) from t")).as("uncommitted, seen from another session").isZero();
            writer.rollback();
            writes.executeUpdate("insert into t values (2)");
            writer.commit();
            assertThat(count(reads, "select count(*) from t")).isEqualTo(1);
            assertThat(emulator.implicitCommits()).isEmpty();
            // DDL with changes open: Snowflake commits them, and the emulator says so.
            writes.executeUpdate("insert into t values (3)");
            writes.execute("create table u (id integer)");
            assertThat(count(reads, "select count(*) from t")).isEqualTo(2);
            assertThat(emulator.implicitCommits()).containsExactly("create table u (id integer)");
            writer.rollback();
        }
    }

    @Test
    void aKeyPairLogsInWithItsPassphraseAndAWrongKeyIsToldWhatToCheck() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair registered = generator.generateKeyPair();
        KeyPair other = generator.generateKeyPair();
        Path key = encryptedKeyFile(work.resolve("rsa_key.p8"), registered, "key passphrase");
        emulator.acceptKey(registered.getPublic());
        SnowflakeWarehouse keyPair = new SnowflakeWarehouse(keyPairSettings(emulator.url(), key, "key passphrase"),
                work.resolve("state/snowflake"));
        try (Connection connection = keyPair.connect(); Statement statement = connection.createStatement()) {
            assertThat(count(statement, "select 42")).isEqualTo(42);
        }
        keyPair.close();
        assertThat(emulator.logins()).isEqualTo(1);

        // The user's public key was replaced (or the file is another key): one message, what to check.
        emulator.acceptKey(other.getPublic());
        SnowflakeWarehouse rejected = new SnowflakeWarehouse(keyPairSettings(emulator.url(), key, "key passphrase"),
                work.resolve("state/snowflake"));
        assertThatThrownBy(rejected::connect).isInstanceOf(java.sql.SQLException.class)
                .hasMessageStartingWith("Snowflake at jdbc:snowflake://127.0.0.1:")
                .hasMessageContaining("rejected the login of pipeline: check that pipeline.warehouse.snowflake.private-key-file")
                .hasMessageContaining("ALTER USER pipeline SET RSA_PUBLIC_KEY")
                .hasMessageNotContaining("key passphrase");
        // Readiness says the same.
        var readiness = new io.livewarehouse.health.WarehouseReadinessCheck(rejected).call();
        assertThat(readiness.getStatus()).isEqualTo(org.eclipse.microprofile.health.HealthCheckResponse.Status.DOWN);
        assertThat(readiness.getData().orElseThrow().get("error").toString()).contains("rejected the login of pipeline");
        rejected.close();
    }

    @Test
    void aMissingPrivilegeSaysWhatToGrant() throws Exception {
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
            statement.execute("create table t (id integer)");
            emulator.deny(java.util.regex.Pattern.compile("(?i)insert into t\\b"), "table 'T'");
            assertThatThrownBy(() -> statement.executeUpdate("insert into t values (1)"))
                    .hasMessageStartingWith("Snowflake refused a statement to the user's default role for lack of a privilege: "
                            + "grant it what docs/snowflake.md lists (grants)")
                    .hasMessageContaining("Insufficient privileges to operate on table 'T'");
            emulator.allowAll();
            assertThat(statement.executeUpdate("insert into t values (1)")).isEqualTo(1);
        }
    }

    private static long count(Statement statement, String query) throws java.sql.SQLException {
        try (ResultSet row = statement.executeQuery(query)) {
            row.next();
            return row.getLong(1);
        }
    }

    /** The private key as `openssl pkcs8 -topk8 -v2 aes256` writes it: PKCS#8, encrypted with PBES2. */
    private static Path encryptedKeyFile(Path file, KeyPair pair, String passphrase) throws Exception {
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        java.security.SecureRandom random = new java.security.SecureRandom();
        random.nextBytes(salt);
        random.nextBytes(iv);
        String algorithm = "PBEWithHmacSHA256AndAES_256";
        javax.crypto.SecretKey secret = javax.crypto.SecretKeyFactory.getInstance(algorithm)
                .generateSecret(new javax.crypto.spec.PBEKeySpec(passphrase.toCharArray()));
        javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance(algorithm);
        cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, secret,
                new javax.crypto.spec.PBEParameterSpec(salt, 10_000, new javax.crypto.spec.IvParameterSpec(iv)));
        byte[] encrypted = cipher.doFinal(pair.getPrivate().getEncoded());
        // EncryptedPrivateKeyInfo ::= SEQUENCE { SEQUENCE { id-PBES2, PBES2-params }, OCTET STRING } (RFC 8018);
        // the JDK writes the PBES2 parameters but not this wrapper for them.
        byte[] pbes2 = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x05, 0x0d};
        byte[] der = der(0x30, concat(der(0x30, concat(pbes2, cipher.getParameters().getEncoded())), der(0x04, encrypted)));
        String pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END ENCRYPTED PRIVATE KEY-----\n";
        return java.nio.file.Files.writeString(file, pem);
    }

    private static byte[] der(int tag, byte[] content) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(tag);
        if (content.length < 128) {
            out.write(content.length);
        } else {
            byte[] length = java.math.BigInteger.valueOf(content.length).toByteArray();
            int skip = length[0] == 0 ? 1 : 0;
            out.write(0x80 | (length.length - skip));
            out.write(length, skip, length.length - skip);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static WarehouseSettings.Snowflake keyPairSettings(String url, Path key, String passphrase) {
        WarehouseSettings.Snowflake password = settings(url);
        return new WarehouseSettings.Snowflake() {
            public java.util.Optional<String> account() { return password.account(); }
            public java.util.Optional<String> url() { return password.url(); }
            public java.util.Optional<String> user() { return password.user(); }
            public java.util.Optional<String> privateKeyFile() { return java.util.Optional.of(key.toString()); }
            public java.util.Optional<String> privateKeyPassphrase() { return java.util.Optional.of(passphrase); }
            public java.util.Optional<String> password() { return java.util.Optional.empty(); }
            public java.util.Optional<String> role() { return password.role(); }
            public java.util.Optional<String> warehouse() { return password.warehouse(); }
            public String database() { return password.database(); }
            public String stagingSchema() { return password.stagingSchema(); }
            public String martsSchema() { return password.martsSchema(); }
            public String pipelineSchema() { return password.pipelineSchema(); }
            public int loginTimeoutSeconds() { return password.loginTimeoutSeconds(); }
            public int copyBatchRows() { return password.copyBatchRows(); }
        };
    }


    @Test
    void aFilePutOnATableStageLoadsByCopyIntoInTheOpenTransaction() throws Exception {
        // As the source's COPY writes it (csv, force_quote *): "" is an empty string, an empty field NULL.
        Path file = work.resolve("public.film.csv");
        java.nio.file.Files.writeString(file, "\"1\",\"A \"\"quoted\"\", value\",\n\"2\",\"\",\"\\N\"\n\"3\",,\"two\nlines\"\n");
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
            statement.execute("create schema if not exists \"_PIPELINE\"");
            statement.execute("create or replace transient table \"_PIPELINE\".\"SNAPSHOT_FILM\" (c0 varchar, c1 varchar, c_invalid varchar)");
            try (ResultSet put = statement.executeQuery("put 'file://" + file.toAbsolutePath()
                    + "' @\"_PIPELINE\".%\"SNAPSHOT_FILM\" auto_compress = true overwrite = true parallel = 4")) {
                // The driver's own result: the file gzipped on its way to the stage.
                assertThat(put.next()).isTrue();
                assertThat(put.getString("target")).isEqualTo("public.film.csv.gz");
                assertThat(put.getString("status")).isEqualTo("UPLOADED");
            }
            connection.setAutoCommit(false);
            String copy = "copy into \"_PIPELINE\".\"SNAPSHOT_FILM\" from @\"_PIPELINE\".%\"SNAPSHOT_FILM\" "
                    + "files = ('public.film.csv.gz') file_format = (type = csv field_delimiter = ',' "
                    + "field_optionally_enclosed_by = '\"' escape = none escape_unenclosed_field = none null_if = () "
                    + "empty_field_as_null = true compression = gzip) on_error = abort_statement force = true";
            assertThat(statement.executeUpdate(copy)).isEqualTo(3);
            connection.rollback();
            try (ResultSet none = statement.executeQuery("select count(*) from \"_PIPELINE\".\"SNAPSHOT_FILM\"")) {
                none.next();
                assertThat(none.getLong(1)).as("a rolled-back COPY loads nothing").isZero();
            }
            assertThat(statement.executeUpdate(copy)).isEqualTo(3);
            connection.commit();
            try (ResultSet rows = statement.executeQuery(
                    "select c0, c1, c_invalid from \"_PIPELINE\".\"SNAPSHOT_FILM\" order by c0")) {
                List<String> loaded = new java.util.ArrayList<>();
                while (rows.next()) {
                    loaded.add(rows.getString(1) + "|" + rows.getString(2) + "|" + rows.getString(3));
                }
                assertThat(loaded).containsExactly("1|A \"quoted\", value|null", "2||\\N", "3|null|two\nlines");
            }
            // A format the emulator does not read as Snowflake would is refused, not guessed.
            assertThatThrownBy(() -> statement.executeUpdate(copy.replace("escape = none", "escape = '\\\\'")))
                    .hasMessageContaining("escape");
        }
        assertThat(emulator.stageCommands()).hasSize(3);
    }

    @Test
    void aLargeBatchLoadsByPutAndCopyIntoInItsTransactionAndEqualsTheSameRowsInserted() throws Exception {
        SnowflakeDialect dialect = (SnowflakeDialect) warehouse.dialect();
        List<StagingColumn> columns = new java.util.ArrayList<>(EVERY_KIND);
        columns.add(new StagingColumn("invalid", ColumnType.of(ColumnType.Kind.JSON)));
        String[] names = {"Ann's", "", "\\N", "a \"quoted\", value", "two\nlines", "Zoë ☕", "NULL"};
        List<Object[]> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            rows.add(i % 10 == 9
                    ? new Object[] {i, null, null, null, null, null, null, null, null, null, null, null, null}
                    : new Object[] {i, (short) (i % 300), 3_000_000_000L + i, i % 7 == 0 ? Double.NaN : i / 8.0,
                            i % 2 == 0, new BigDecimal(i + ".05"), names[i % names.length],
                            new byte[] {(byte) i, (byte) 0xff, 0}, LocalDate.of(1990, 2, 28).plusDays(i),
                            LocalTime.of(i % 24, 30, 0, 500_000_000), LocalDateTime.of(2026, 1, 2, 3, 4, 5, 678_901_000).plusMinutes(i),
                            OffsetDateTime.of(2026, 11, 26, 9, 30, 15, 123_456_000, ZoneOffset.ofHours(2)).plusSeconds(i),
                            "{\"rental_rate\": \"NaN\", \"n\": " + i + "}"});
        }
        try (Connection connection = warehouse.connect(); Statement statement = connection.createStatement()) {
            statement.execute(dialect.statement("create-schemas").split(";")[0]);
            for (String table : List.of("copied", "inserted")) {
                statement.execute(dialect.statement("create-staging-table", Map.of("table",
                        dialect.quote(dialect.stagingSchema()) + "." + dialect.quote(table), "columns",
                        columns.stream().map(c -> dialect.quote(c.name()) + " " + dialect.typeOf(c.type()))
                                .collect(Collectors.joining(", ")))));
            }
            connection.setAutoCommit(false);
            long before = emulator.queries();
            dialect.append(connection, dialect.stagingSchema(), "copied", columns, rows);
            assertThat(emulator.queries() - before).as("PUT and COPY INTO, whatever the rows").isEqualTo(2);
            connection.rollback();
            assertThat(count(statement, "select count(*) from \"STAGING\".\"COPIED\"")).as("rolled back").isZero();
            dialect.append(connection, dialect.stagingSchema(), "copied", columns, rows);
            connection.commit();
            dialect.copyBatchRows(0);
            dialect.append(connection, dialect.stagingSchema(), "inserted", columns, rows);
            connection.commit();
            dialect.copyBatchRows(2000);
        }
        assertThat(emulator.failures()).isEmpty();
        assertThat(emulator.stageCommands()).anyMatch(command -> command.startsWith("copy into \"STAGING\".\"COPIED\""));
        String all = "select id, small, big, cast(ratio as varchar), active, amount, name, hex(picture), born, opens, "
                + "updated, epoch_us(committed), cast(invalid as varchar) from staging.%s order by id";
        try (Statement look = emulator.duckdb().createStatement()) {
            List<String> copied = rowsOf(look, all.formatted("copied"));
            assertThat(copied).hasSize(2_500).containsExactlyElementsOf(rowsOf(look, all.formatted("inserted")));
            assertThat(copied.get(1)).as("an empty string stays one").contains("|1.05||01FF00|", "|{\"rental_rate\":\"NaN\",\"n\":1}");
            assertThat(copied.get(9)).isEqualTo("9" + "|null".repeat(12));
        }
    }

    private static List<String> rowsOf(Statement statement, String sql) throws Exception {
        List<String> rows = new java.util.ArrayList<>();
        try (ResultSet row = statement.executeQuery(sql)) {
            int width = row.getMetaData().getColumnCount();
            while (row.next()) {
                StringBuilder line = new StringBuilder();
                for (int i = 1; i <= width; i++) {
                    line.append(i > 1 ? "|" : "").append(row.getString(i));
                }
                rows.add(line.toString());
            }
        }
        return rows;
    }

    private static WarehouseSettings.Snowflake settings(String url) {
        return SnowflakeLoginProbe.settings(url, "emulated");
    }
}
