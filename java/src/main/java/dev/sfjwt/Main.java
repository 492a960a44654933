// Copyright sfjwt contributors. Licensed under Apache-2.0.
package dev.sfjwt;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Paths;

/**
 * The jar's entry point: {@code java -jar sfjwt-<version>.jar test-connection conn.properties}
 * prints the connection report; {@code token conn.properties} logs in (or takes the token from
 * the cache, {@code token_cache_dir} included) and prints the token without its secret. Each
 * exits with 0 when it works, else with the error's code ({@link ErrorCode#value()}: 12 for a wrong keystore password, 30 for a refused
 * login, ...), 2 for a usage error, or 3 when the native library cannot be loaded (such as
 * {@link UnsupportedPlatformException}).
 */
public final class Main {
    private static final int USAGE = 2;
    private static final int NO_NATIVE_LIBRARY = 3;

    private Main() {
    }

    /**
     * Runs the command and exits.
     *
     * @param args {@code test-connection <file.properties>} or {@code token <file.properties>}
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            usage(out);
            return 0;
        }
        if (args.length != 2 || !(args[0].equals("test-connection") || args[0].equals("token"))) {
            usage(err);
            return USAGE;
        }
        SalesforceJwtConfig config = null;
        try {
            try {
                // The core reads the file: the first use of the native library.
                config = SalesforceJwtConfig.fromProperties(Paths.get(args[1]));
            } catch (IOException e) {
                err.println("sfjwt: cannot read " + args[1] + ": " + e);
                return ErrorCode.CONFIG.value();
            }
            if (args[0].equals("token")) {
                try (SalesforceJwtClient client = new SalesforceJwtClient(config)) {
                    out.println(client.token());
                    return 0;
                }
            }
            ConnectionReport report = SalesforceJwtClient.testConnection(config);
            out.print(report);
            return report.isOk() ? 0 : exitCode(report.getError());
        } catch (SfJwtException e) {
            err.println("sfjwt: " + e.getMessage());
            return e.getCode().value();
        } catch (UnsatisfiedLinkError e) {
            // The first use of the library: UnsupportedPlatformException, or a library that
            // does not load (-Dsfjwt.library.path naming a wrong file, a too old glibc, ...).
            err.println(e instanceof UnsupportedPlatformException ? e.getMessage() : "sfjwt: " + e.getMessage());
            return NO_NATIVE_LIBRARY;
        } finally {
            if (config != null) {
                config.clearPasswords();
            }
        }
    }

    private static int exitCode(SfJwtException error) {
        return error == null ? ErrorCode.INTERNAL.value() : error.getCode().value();
    }

    private static void usage(PrintStream stream) {
        stream.println("usage: java -jar sfjwt.jar test-connection <conn.properties>");
        stream.println("       java -jar sfjwt.jar token <conn.properties>");
        stream.println();
        stream.println("test-connection tests a Salesforce JWT Bearer login: load key, sign assertion,");
        stream.println("token request, identity, API versions. token logs in (or reads the token_cache_dir");
        stream.println("cache) and prints the token without its secret. The file uses the sfjwt keys");
        stream.println("(issuer, subject, audience, keystore_path, keystore_password, key_alias, ...).");
        stream.println("Exit status: 0 when it works, else the error code (12 wrong keystore password,");
        stream.println("30 login refused by Salesforce, ...), 3 when the native library cannot be loaded.");
    }
}
