package io.livewarehouse;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast unit layer ({@code ./mvnw test -Punit}) is what src/test/unit-tests.txt names: every class tagged
 * {@code unit}, and none that boots Quarkus (one would make the run build an application and take minutes).
 */
@Tag("unit")
class UnitLayerTest {

    @Test
    void theListNamesExactlyTheTaggedClassesAndNoneBootsQuarkus() throws IOException {
        Set<String> listed = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("src/test/unit-tests.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                listed.add(line.replace("**/", "").replace(".java", ""));
            }
        }
        Set<String> tagged = new TreeSet<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            sources = files.filter(file -> file.toString().endsWith(".java")).toList();
        }
        for (Path source : sources) {
            String code = Files.readString(source);
            if (code.contains("@Tag(\"unit\")")) {
                String name = source.getFileName().toString().replace(".java", "");
                tagged.add(name);
                assertThat(code).as("%s is in the unit layer", name).doesNotContainPattern("(?m)^@QuarkusTest");
            }
        }
        assertThat(listed).isEqualTo(tagged);
    }
}
