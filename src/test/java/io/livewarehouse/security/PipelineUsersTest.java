package io.livewarehouse.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.credential.PasswordCredential;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The users of pipeline.security.users: parsed strictly, each with its password, an operator also a reader. */
@Tag("unit")
class PipelineUsersTest {

    private static final Map<String, String> PASSWORDS = Map.of("ana", "s3cret", "ben", "other");

    @Test
    void anOperatorAlsoReadsAndAReaderOnlyReads() {
        PipelineUsers users = users("ana:operator", " ben:reader ", "");
        assertThat(users.names()).containsExactly("ana", "ben");
        assertThat(login(users, "ana", "s3cret").getRoles()).containsExactlyInAnyOrder("reader", "operator");
        assertThat(login(users, "ben", "other").getRoles()).containsExactly("reader");
        assertThatThrownBy(() -> login(users, "ben", "s3cret")).isInstanceOf(AuthenticationFailedException.class);
        assertThatThrownBy(() -> login(users, "carla", "s3cret")).isInstanceOf(AuthenticationFailedException.class);
        assertThat(users("").any()).isFalse();
    }

    @Test
    void aUserWithoutPasswordOrWithAnUnknownRoleStopsTheStartNamingIt() {
        assertThatThrownBy(() -> users("carla:operator")).hasMessageContaining("PIPELINE_SECURITY_PASSWORD_CARLA");
        assertThatThrownBy(() -> users("ana:admin")).hasMessageContaining("ana").hasMessageContaining("reader and operator");
        assertThatThrownBy(() -> users("Ana Maria:reader")).hasMessageContaining("'Ana Maria:reader'");
        assertThatThrownBy(() -> users("ana")).hasMessageContaining("name:role");
    }

    private static PipelineUsers users(String... entries) {
        return new PipelineUsers(PipelineUsers.parse(List.of(entries), name -> Optional.ofNullable(PASSWORDS.get(name))));
    }

    private static SecurityIdentity login(PipelineUsers users, String name, String password) {
        return users.authenticate(new UsernamePasswordAuthenticationRequest(name,
                new PasswordCredential(password.toCharArray())), null).await().indefinitely();
    }
}
