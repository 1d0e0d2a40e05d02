package io.livewarehouse.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The four descriptions of how the pipeline runs in a container say the same thing: the Dockerfile, the Jib
 * image of {@code ./mvnw package -Pimage} (pom.xml), the Kubernetes manifest and the ECS task definition: one
 * non-root user, the same ports, the state volume where the image puts its state, the same entrypoint, the
 * same health check, secrets from the platform's secret store, memory for the measured peak RSS.
 */
@Tag("unit")
class DeploymentDefinitionsTest {

    private static final String STATE = "/var/lib/live-warehouse";

    @Test
    void theDockerfileAndTheJibImageDescribeTheSameContainer() throws Exception {
        Dockerfile docker = Dockerfile.read(Path.of("Dockerfile"));
        Map<String, String> jib = jibProperties();
        assertThat(docker.last("USER")).isEqualTo(jib.get("quarkus.jib.user")).isEqualTo("10001:10001");
        assertThat(Arrays.asList(docker.last("EXPOSE").split("\\s+")))
                .isEqualTo(Arrays.asList(jib.get("quarkus.jib.ports").split(","))).containsExactly("8080", "9000");
        assertThat(docker.last("VOLUME")).isEqualTo(STATE);
        assertThat(docker.last("WORKDIR")).isEqualTo(jib.get("quarkus.jib.working-directory")).isEqualTo("/app");
        List<String> entrypoint = new ObjectMapper().readValue(docker.last("ENTRYPOINT"),
                new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { });
        assertThat(entrypoint).isEqualTo(List.of(jib.get("quarkus.jib.jvm-entrypoint").split(",", 3)));
        Map<String, String> jibEnvironment = new LinkedHashMap<>();
        jib.forEach((key, value) -> {
            if (key.startsWith("quarkus.jib.environment-variables.")) {
                jibEnvironment.put(key.substring("quarkus.jib.environment-variables.".length()), value);
            }
        });
        assertThat(docker.environment()).isEqualTo(jibEnvironment).containsEntry("PIPELINE_STATE_DIR", STATE);
        // Jib cannot declare a VOLUME; the offline base does, and owns the folder to the image's user.
        String base = Files.readString(Path.of("src/main/deploy/image/debian-base"));
        assertThat(base).contains("\"Volumes\":{\"" + STATE + "\":{}}").contains("chown 10001:10001 \"$1" + STATE + "\"")
                .contains("--uid 10001");
        assertThat(docker.last("HEALTHCHECK")).contains("http://localhost:9000/q/health/live");
    }

    @Test
    void theKubernetesManifestProbesTheManagementPortAndKeepsStateAndSecretsWhereTheImageExpects() throws Exception {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Load(LoadSettings.builder().build())
                .loadAllFromString(Files.readString(Path.of("src/main/deploy/kubernetes/live-warehouse.yaml")))) {
            documents.add(map(document));
        }
        Map<String, Object> statefulSet = documents.stream().filter(d -> "StatefulSet".equals(d.get("kind"))).findFirst()
                .orElseThrow();
        Map<String, Object> spec = map(statefulSet.get("spec"));
        assertThat(spec.get("replicas")).as("one writer per slot").isEqualTo(1);
        Map<String, Object> pod = map(map(spec.get("template")).get("spec"));
        assertThat(pod.get("terminationGracePeriodSeconds")).isEqualTo(30);
        assertThat(map(pod.get("securityContext"))).containsEntry("runAsUser", 10001).containsEntry("runAsNonRoot", true)
                .containsEntry("fsGroup", 10001);
        Map<String, Object> container = map(list(pod.get("containers")).get(0));
        assertThat(map(container.get("securityContext"))).containsEntry("readOnlyRootFilesystem", true);
        Map<String, Object> ports = new LinkedHashMap<>();
        list(container.get("ports")).forEach(port -> ports.put((String) map(port).get("name"), map(port).get("containerPort")));
        assertThat(ports).containsEntry("http", 8080).containsEntry("management", 9000);

        Map<String, Object> startup = map(container.get("startupProbe"));
        assertThat(probe(startup)).isEqualTo("management /q/health/started");
        assertThat((int) startup.get("periodSeconds") * (int) startup.get("failureThreshold"))
                .as("seconds a first snapshot may take").isGreaterThanOrEqualTo(3600);
        assertThat(probe(map(container.get("livenessProbe")))).isEqualTo("management /q/health/live");
        assertThat(probe(map(container.get("readinessProbe")))).isEqualTo("management /q/health/ready");
        assertThat((int) map(container.get("readinessProbe")).get("timeoutSeconds"))
                .as("the warehouse check answers within 5 s").isGreaterThan(5);

        Map<String, Object> secrets = new LinkedHashMap<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (Object variable : list(container.get("env"))) {
            Map<String, Object> env = map(variable);
            if (env.containsKey("valueFrom")) {
                secrets.put((String) env.get("name"), map(map(env.get("valueFrom")).get("secretKeyRef")).get("name"));
            } else {
                values.put((String) env.get("name"), env.get("value"));
            }
        }
        assertThat(secrets).containsKeys("PIPELINE_SOURCE_PASSWORD", "PIPELINE_SECURITY_PASSWORD_ANA",
                "PIPELINE_SECURITY_PASSWORD_BEN");
        assertThat(values.keySet()).noneMatch(name -> name.contains("PASSWORD"));
        assertThat(values.get("PIPELINE_SECURITY_USERS")).isEqualTo("ana:operator,ben:reader");

        assertThat(list(container.get("volumeMounts"))).singleElement()
                .satisfies(mount -> assertThat(map(mount)).containsEntry("mountPath", STATE).containsEntry("name", "state"));
        assertThat(list(spec.get("volumeClaimTemplates"))).singleElement()
                .satisfies(claim -> assertThat(map(map(claim).get("metadata"))).containsEntry("name", "state"));

        Map<String, Object> requests = map(map(container.get("resources")).get("requests"));
        assertThat(mebibytes((String) requests.get("memory"))).as("memory request against the benchmark's peak RSS")
                .isGreaterThanOrEqualTo(measuredPeakRssMebibytes());
    }

    @Test
    void theEcsTaskDefinitionSaysTheSame() throws Exception {
        JsonNode task = new ObjectMapper().readTree(new File("src/main/deploy/ecs/task-definition.json"));
        JsonNode container = task.get("containerDefinitions").get(0);
        assertThat(container.get("user").asText()).isEqualTo(jibProperties().get("quarkus.jib.user"));
        assertThat(container.get("readonlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.get("stopTimeout").asInt()).isEqualTo(30);
        assertThat(StreamSupport.stream(container.get("portMappings").spliterator(), false)
                .map(port -> port.get("containerPort").asInt())).containsExactly(8080, 9000);
        JsonNode health = container.get("healthCheck");
        Dockerfile docker = Dockerfile.read(Path.of("Dockerfile"));
        String dockerCheck = docker.last("HEALTHCHECK");
        assertThat(health.get("command").get(1).asText()).isEqualTo(dockerCheck.substring(dockerCheck.indexOf("CMD ") + 4));
        assertThat(dockerCheck).contains("--interval=" + health.get("interval").asInt() + "s",
                "--timeout=" + health.get("timeout").asInt() + "s", "--retries=" + health.get("retries").asInt());
        assertThat(StreamSupport.stream(container.get("secrets").spliterator(), false).map(s -> s.get("name").asText()))
                .contains("PIPELINE_SOURCE_PASSWORD", "PIPELINE_SECURITY_PASSWORD_ANA");
        assertThat(StreamSupport.stream(container.get("secrets").spliterator(), false)
                .map(s -> s.get("valueFrom").asText())).allMatch(arn -> arn.startsWith("arn:aws:secretsmanager:"));
        assertThat(StreamSupport.stream(container.get("environment").spliterator(), false)
                .map(e -> e.get("name").asText())).noneMatch(name -> name.contains("PASSWORD"));
        JsonNode mount = container.get("mountPoints").get(0);
        assertThat(mount.get("containerPath").asText()).isEqualTo(STATE);
        assertThat(task.get("volumes").get(0).get("name").asText()).isEqualTo(mount.get("sourceVolume").asText());
        assertThat(container.get("memoryReservation").asInt()).isGreaterThanOrEqualTo(measuredPeakRssMebibytes());
    }

    /** The image profile's Jib settings, from pom.xml. */
    static Map<String, String> jibProperties() throws Exception {
        Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new File("pom.xml")).getDocumentElement();
        NodeList profiles = root.getElementsByTagName("profile");
        for (int i = 0; i < profiles.getLength(); i++) {
            Element profile = (Element) profiles.item(i);
            if (!"image".equals(profile.getElementsByTagName("id").item(0).getTextContent())) {
                continue;
            }
            Map<String, String> properties = new LinkedHashMap<>();
            NodeList children = ((Element) profile.getElementsByTagName("properties").item(0)).getChildNodes();
            for (int j = 0; j < children.getLength(); j++) {
                Node child = children.item(j);
                if (child.getNodeType() == Node.ELEMENT_NODE) {
                    properties.put(child.getNodeName(), child.getTextContent().trim());
                }
            }
            return properties;
        }
        throw new AssertionError("pom.xml has no image profile");
    }

    /** The peak RSS bench/results.md reports (the most of its runs; figures from 1,000 have a comma). */
    static int measuredPeakRssMebibytes() throws IOException {
        Matcher row = Pattern.compile("(?m)^\\| peak RSS MiB \\|(.*)\\|\\s*$").matcher(Files.readString(Path.of("bench/results.md")));
        assertThat(row.find()).as("bench/results.md reports the peak RSS").isTrue();
        return Arrays.stream(row.group(1).split("\\|")).map(cell -> cell.trim().replace(",", "")).filter(cell -> cell.matches("\\d+"))
                .mapToInt(Integer::parseInt).max().orElseThrow();
    }

    private static int mebibytes(String quantity) {
        if (quantity.endsWith("Gi")) {
            return Integer.parseInt(quantity.substring(0, quantity.length() - 2)) * 1024;
        }
        assertThat(quantity).endsWith("Mi");
        return Integer.parseInt(quantity.substring(0, quantity.length() - 2));
    }

    private static String probe(Map<String, Object> probe) {
        Map<String, Object> get = map(probe.get("httpGet"));
        return get.get("port") + " " + get.get("path");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return (List<Object>) value;
    }

    /** The final stage of a Dockerfile: its instructions, continuation lines joined. */
    record Dockerfile(List<String[]> instructions) {
        static Dockerfile read(Path file) throws IOException {
            String joined = Files.readString(file).replaceAll("\\\\\\n\\s*", " ");
            List<String[]> instructions = new ArrayList<>();
            for (String line : joined.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
                String[] parts = line.split("\\s+", 2);
                if (parts[0].equals("FROM")) {
                    instructions.clear();
                }
                instructions.add(new String[] {parts[0], parts.length > 1 ? parts[1].trim() : ""});
            }
            return new Dockerfile(instructions);
        }

        String last(String instruction) {
            String found = null;
            for (String[] parts : instructions) {
                if (parts[0].equals(instruction)) {
                    found = parts[1];
                }
            }
            return found;
        }

        /** ENV's variables: NAME=value pairs, a value quoted when it holds spaces. */
        Map<String, String> environment() {
            Map<String, String> environment = new LinkedHashMap<>();
            Matcher pair = Pattern.compile("([A-Z_][A-Z0-9_]*)=(\"[^\"]*\"|\\S+)").matcher(last("ENV"));
            while (pair.find()) {
                environment.put(pair.group(1), pair.group(2).replaceAll("^\"|\"$", ""));
            }
            return environment;
        }
    }
}
