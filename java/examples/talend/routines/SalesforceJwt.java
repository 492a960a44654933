// Copyright sfjwt contributors. Licensed under Apache-2.0.
package routines;

import dev.sfjwt.AccessToken;
import dev.sfjwt.SalesforceJwtClient;
import dev.sfjwt.SalesforceJwtConfig;
import dev.sfjwt.SfJwtException;
import java.io.IOException;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Talend routine: Salesforce JWT Bearer login with sfjwt, configured by the job's context
 * variables. Every context variable named {@code <prefix><sfjwt key>} (with the prefix
 * {@code sfjwt_}: {@code sfjwt_issuer}, {@code sfjwt_subject}, {@code sfjwt_keystore_path},
 * {@code sfjwt_keystore_password}, {@code sfjwt_key_alias}, ...) becomes that sfjwt setting;
 * {@code sfjwt_keystore_resource} names a keystore packaged in the job's jar instead of a file.
 *
 * <p>One client per configuration is kept for the whole JVM, so that every subjob and every
 * job of a JobServer reuses one token until it expires: Salesforce allows 3,600 logins per user
 * per hour.
 */
public class SalesforceJwt {
    private static final ConcurrentHashMap<Properties, SalesforceJwtClient> CLIENTS =
            new ConcurrentHashMap<Properties, SalesforceJwtClient>();

    /**
     * login: a Salesforce session for the job, from its context variables.
     *
     * {talendTypes} Object
     *
     * {Category} SalesforceJwt
     *
     * {param} Object(context) context: the job's context ({@code context} in a tJava)
     *
     * {param} string("sfjwt_") prefix: the prefix of the context variables to read
     *
     * {example} login(context, "sfjwt_") # the token: getAccessToken(), getInstanceUrl()
     */
    public static AccessToken login(Properties context, String prefix) throws SfJwtException, IOException {
        return client(context, prefix).token();
    }

    /**
     * forget: forgets a token Salesforce answered HTTP 401 INVALID_SESSION_ID to, so that the next
     * login() logs in again.
     *
     * {talendTypes} Object
     *
     * {Category} SalesforceJwt
     */
    public static void forget(Properties context, String prefix, AccessToken token)
            throws SfJwtException, IOException {
        client(context, prefix).invalidate(token);
    }

    private static SalesforceJwtClient client(Properties context, String prefix)
            throws SfJwtException, IOException {
        Properties settings = new Properties();
        for (String name : context.stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                settings.setProperty(name.substring(prefix.length()), context.getProperty(name));
            }
        }
        SalesforceJwtClient client = CLIENTS.get(settings);
        if (client != null) {
            return client;
        }
        String resource = (String) settings.remove("keystore_resource");
        SalesforceJwtConfig.Builder builder = SalesforceJwtConfig.builder().properties(settings);
        if (resource != null && !resource.isEmpty()) {
            builder.keystoreResource(resource);
        }
        SalesforceJwtClient created = new SalesforceJwtClient(builder.build());
        if (resource != null) {
            settings.setProperty("keystore_resource", resource);
        }
        SalesforceJwtClient raced = CLIENTS.putIfAbsent(settings, created);
        if (raced != null) {
            created.close();
            return raced;
        }
        return created;
    }
}
