package io.livewarehouse.security;

import io.livewarehouse.config.PipelineSettings;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The users HTTP basic authenticates: {@code pipeline.security.users} names them with their role
 * ({@code ana:operator,ben:reader}), and each one's password is {@code pipeline.security.password.<name>}, which
 * in production comes from the environment ({@code PIPELINE_SECURITY_PASSWORD_ANA}, a Kubernetes or ECS secret).
 * A user named without a password is refused at start, not let in without one. Roles: {@value #READER} reads
 * the pages, the marts and their exports; {@value #OPERATOR} also runs the operations (refresh, rebuild, data
 * tests, resync).
 */
@ApplicationScoped
public class PipelineUsers implements IdentityProvider<UsernamePasswordAuthenticationRequest> {

    public static final String READER = "reader";
    public static final String OPERATOR = "operator";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private final Map<String, User> users;

    record User(String name, byte[] password, Set<String> roles) {
    }

    @Inject
    PipelineUsers(PipelineSettings settings, Config config) {
        // Each password looked up by its own name, which SmallRye Config finds in the environment as
        // PIPELINE_SECURITY_PASSWORD_<NAME> (a map's keys from environment variables are not reliably found).
        this(parse(settings.security().users().orElse(List.of()),
                name -> config.getOptionalValue("pipeline.security.password." + name, String.class)));
    }

    PipelineUsers(Map<String, User> users) {
        this.users = users;
    }

    /** The users of {@code name:role} entries, each with its password; a wrong entry is refused by name. */
    static Map<String, User> parse(List<String> entries, Function<String, Optional<String>> passwords) {
        Map<String, User> users = new LinkedHashMap<>();
        for (String entry : entries) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split(":", -1);
            if (parts.length != 2 || !NAME.matcher(parts[0]).matches()) {
                throw new IllegalArgumentException("pipeline.security.users: '" + trimmed + "' is not name:role with a "
                        + "lower-case name of letters, digits and _ (for example ana:operator,ben:reader)");
            }
            String name = parts[0];
            String role = parts[1].trim();
            if (!role.equals(READER) && !role.equals(OPERATOR)) {
                throw new IllegalArgumentException("pipeline.security.users: user " + name + " has role '" + role
                        + "'; the roles are " + READER + " and " + OPERATOR);
            }
            String password = passwords.apply(name).filter(p -> !p.isEmpty()).orElseThrow(() ->
                    new IllegalArgumentException("pipeline.security.users names " + name + " but no password is set: "
                            + "set PIPELINE_SECURITY_PASSWORD_" + name.toUpperCase() + " in the environment"));
            // An operator may read what a reader may.
            Set<String> roles = role.equals(OPERATOR) ? Set.of(READER, OPERATOR) : Set.of(READER);
            users.put(name, new User(name, password.getBytes(StandardCharsets.UTF_8), roles));
        }
        return users;
    }

    /** Whether any user can log in by HTTP basic. */
    public boolean any() {
        return !users.isEmpty();
    }

    public List<String> names() {
        return List.copyOf(users.keySet());
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request,
                                              AuthenticationRequestContext context) {
        User user = users.get(request.getUsername());
        byte[] given = new String(request.getPassword().getPassword()).getBytes(StandardCharsets.UTF_8);
        // Compared in constant time, and against a password also when the name is unknown, so timing tells neither.
        boolean matches = MessageDigest.isEqual(given, user == null ? new byte[0] : user.password()) && user != null;
        if (!matches) {
            return Uni.createFrom().failure(new AuthenticationFailedException());
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(user.name()))
                .addRoles(user.roles())
                .build());
    }
}
