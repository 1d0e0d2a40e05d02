package io.livewarehouse.security;

import io.livewarehouse.config.PipelineSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Says at start who can reach the pages: an operator who sees 401 everywhere learns here that no user is set,
 * and how to set one (silence would look like a broken page). Names and roles only, never a password.
 */
@ApplicationScoped
public class AccessNotice {

    private static final Logger LOG = Logger.getLogger(AccessNotice.class);

    void announce(@Observes StartupEvent startup, PipelineSettings settings, PipelineUsers users) {
        PipelineSettings.Security security = settings.security();
        if (!security.enabled()) {
            LOG.info("Access: pages, marts API and operations open to anyone who reaches the HTTP port "
                    + "(pipeline.security.enabled=false, the dev and test default; dev mode listens on localhost)");
            return;
        }
        boolean oidc = security.oidc().enabled();
        if (!users.any() && !oidc) {
            LOG.warn("Access: no user is configured, so the pages, the marts API and the operations refuse every "
                    + "request (401); set PIPELINE_SECURITY_USERS=name:reader|operator,... with "
                    + "PIPELINE_SECURITY_PASSWORD_<NAME>, or an OIDC issuer (PIPELINE_SECURITY_OIDC_AUTH_SERVER_URL). "
                    + "Probes and metrics stay open on the management port");
            return;
        }
        LOG.infof("Access: HTTP basic for %s%s; reader reads the pages, marts and exports, operator also runs "
                        + "refresh, rebuild, data tests and resync",
                users.any() ? String.join(", ", users.names()) : "no user",
                oidc ? ", and OIDC bearer tokens from " + security.oidc().authServerUrl().orElse("?") : "");
    }
}
