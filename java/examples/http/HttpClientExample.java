// Copyright sfjwt contributors. Licensed under Apache-2.0.

import dev.sfjwt.SalesforceHttpClient;
import dev.sfjwt.SalesforceJwtClient;
import dev.sfjwt.SalesforceJwtConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Salesforce REST over Java 11's HttpClient: a query, then, after a line on stdin (a session
 * revoked meanwhile, say), the same query again. Usage: {@code java HttpClientExample
 * connection.properties}.
 */
public class HttpClientExample {
    public static void main(String[] args) throws Exception {
        try (SalesforceJwtClient client = new SalesforceJwtClient(SalesforceJwtConfig.fromProperties(Paths.get(args[0])))) {
            SalesforceHttpClient salesforce = new SalesforceHttpClient(client, HttpClient.newHttpClient());
            HttpResponse<String> first = salesforce.send(
                    instance -> HttpRequest.newBuilder(instance.resolve("/services/data/v62.0/query?q=SELECT+Name+FROM+Account")),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println("query: HTTP " + first.statusCode() + ", " + totalSize(first.body()) + " records");
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();

            HttpResponse<String> again = salesforce.send(
                    instance -> HttpRequest.newBuilder(instance.resolve("/services/data/v62.0/query?q=SELECT+Name+FROM+Account")),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println("query again: HTTP " + again.statusCode() + ", " + totalSize(again.body()) + " records");
            HttpResponse<String> missing = salesforce.send(
                    instance -> HttpRequest.newBuilder(instance.resolve("/services/data/v62.0/sobjects/Account/001000000000999AAA")),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println("missing record: HTTP " + missing.statusCode());
        }
    }

    private static String totalSize(String json) {
        Matcher size = Pattern.compile("\"totalSize\"\\s*:\\s*(\\d+)").matcher(json);
        return size.find() ? size.group(1) : "?";
    }
}
