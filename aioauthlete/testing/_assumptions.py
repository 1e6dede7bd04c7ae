"""Every guess the emulator makes about Authlete, in one place.

``ASSUMPTIONS`` below says, case by case, what the emulator answers where the OpenAPI
document is silent; ``_results.EmulatorResult`` holds the result codes and messages,
marking each as copied from the spec or assumed. Other modules refer to the numbered
items of ``ASSUMPTIONS`` instead of repeating them.
"""

from __future__ import annotations

from ._results import EmulatorResult, ResultSpec, fault_result

__all__ = ["ASSUMPTIONS", "EmulatorResult", "ResultSpec", "fault_result"]

ASSUMPTIONS = """\
What the emulator answers where Authlete's OpenAPI document is silent.

The spec fixes: each API's success answer (A179001, A183001, A185001, A198001 and
A050001 with their messages; the emulator fills in the mode, result or grant type the
examples show), each API's actions, the shape of error bodies ({resultCode,
resultMessage}), the 401 example A001202 for a missing Authorization header, the 500
example A001101, that error statuses are 400, 401, 403 and 500, that a missing reason
means SERVER_ERROR, that TRANSACTION_FAILED is reported as expired_token, and what each
delivery mode gets from complete. Everything below is a guess, made here once.

1. Unknown, expired or already-deleted ticket in a fail call: 200 with action
   INTERNAL_SERVER_ERROR and result UNKNOWN_TICKET. responseContent is
   {"error":"server_error","error_description":"<resultMessage>"}, modelled on other
   Authlete APIs, which put their result message in error_description. The caller's
   errorDescription and errorUri are not echoed in that case.
2. Wrong request parameters (the spec's case "the request parameters of the API call were
   wrong"): 200 with the action each API names for it (complete: SERVER_ERROR; the
   others: INTERNAL_SERVER_ERROR), and a result per case: MISSING_TICKET (ticket absent,
   null or empty), UNKNOWN_REASON (reason not one of the nine values), BAD_PARAMETER (a
   field not of its documented type), and the *_MISSING_PARAMETERS, *_UNKNOWN_RESULT and
   *_MISSING_SUBJECT rows of the other APIs. The fail schema lists ticket as required
   while its description calls it optional; the emulator takes it as required. A null or
   empty reason counts as omitted (SERVER_ERROR); a null or empty
   errorDescription/errorUri is left out. Parameters are checked before a ticket is
   touched, so a wrong call changes nothing. In a form body the first of repeated keys
   wins; a field that is a list takes every value of its repeated key, a number is
   decimal digits, a flag is true or false, and a field that is an object or a list of
   objects (properties) cannot be sent (it is a BAD_PARAMETER). Fields the emulator does
   not know are ignored.
3. A body that cannot be read (JSON that does not parse, nests deeper than the decoder
   follows or is not an object, bytes that are not UTF-8, a content type other than JSON
   or form): 400 with that API's UNREADABLE_BODY. Credentials are checked first. A
   caller's text that cannot be written as UTF-8 (a lone surrogate) is echoed as a JSON
   escape, the whole answer then written in ASCII.
4. Wrong credentials (another token or secret, a scheme other than the path form expects,
   a Basic user name that is not a served service id): 401 with BAD_CREDENTIALS. A missing
   or blank Authorization header gets the spec's A001202.
5. A service id the token does not cover (3.x path, right token): 403 with
   UNKNOWN_SERVICE, a status every one of these APIs documents (none of them lists the
   spec's 404, {"resultCode": 404}). Credentials are checked first, so a wrong token on
   an unknown service gets 401.
6. Rate limit (off unless switched on; the README of Authlete's OpenAPI repository, not
   the spec, states 100 requests/s per token with bursts to 200): one token bucket per
   credential, shared by every API. Beyond it: 429 with RATE_LIMITED and Retry-After
   (whole seconds until one request fits, at least 1). While it is on, every
   authenticated answer carries X-RateLimit-Limit (requests per second),
   X-RateLimit-Remaining (whole requests left in the bucket) and X-RateLimit-Reset
   (whole seconds until the bucket is full, a delay and not a date).
7. Injected failures (Faults.fail_next, Faults.fail_ticket) carry a result body:
   SERVER_ERROR (the spec's A001101) for 5xx, RATE_LIMITED for 429, INJECTED_FAULT for any
   other status. Per-ticket faults select fail, issue and complete calls by their ticket.
8. Result messages read "[<code>] <API path>, <text>", as the spec's examples do for
   their own API, whichever path form (3.x or 2.x) was called; the rows about
   credentials, services and faults name the API that was called.
9. One emulated service: every served service id sees the same clients, tickets and
   auth_req_ids.
10. Clients: the registered ones only (DEFAULT_CLIENTS, one per delivery mode, unless
   told otherwise), each authenticating with its secret, given by the caller as
   clientId/clientSecret (from HTTP Basic: CLIENT_SECRET_BASIC) or in the client's form
   body as client_id/client_secret (CLIENT_SECRET_POST). An unknown client, a missing or
   wrong secret: invalid_client (action UNAUTHORIZED from /backchannel/authentication,
   INVALID_CLIENT from /auth/token). A secret given both ways, or two different client
   IDs: invalid_request (BAD_REQUEST). A client may be named by its alias
   (clientIdAliasUsed true). Certificates and attestations are type-checked and ignored.
11. /backchannel/authentication: the client's form body (parameters) must be a form in
   which no parameter other than resource repeats (RFC 6749 section 3.1), else
   invalid_request. Then, in this order, each with its own result and invalid_request:
   request objects are not supported; scope must include openid; exactly one hint; an
   id_token_hint must be a JWT whose payload has a sub (its signature is not checked);
   a ping or push client must give a client_notification_token of at most 1024
   characters; requested_expiry must be a positive whole number. Every scope is kept
   (the service has them all registered), and claimNames expands profile, email,
   address and phone. Any hint, known or not, gets USER_IDENTIFICATION: the server
   identifies the user (UserDirectory helps there) and fails the ticket with
   UNKNOWN_USER_ID when it cannot. requestedExpiry is 0 when none was asked for, and
   userCodeRequired is false (the service does not ask for user codes). Only
   USER_IDENTIFICATION makes a ticket; it lives ticket_ttl seconds. BAD_REQUEST,
   UNAUTHORIZED and INTERNAL_SERVER_ERROR carry {"error", "error_description":
   "<resultMessage>"}.
12. /backchannel/authentication/issue: an unknown or expired ticket gets INVALID_TICKET
   (with the content of assumption 1). A second issue for one ticket answers the same
   auth_req_id with the seconds it has left. The ticket then lives at least as long as
   its auth_req_id. expires_in is the client's requested_expiry, else the service's
   auth_req_id_duration (600 s); interval is the service's polling_interval (5 s), left
   out for a push client. responseContent lists auth_req_id, interval and expires_in, as
   the spec's example does. A seeded ticket (issue_tickets, add_ticket) stands for an
   openid request of the first registered client.
13. /backchannel/authentication/complete: a complete that gets past its parameter
   checks uses the ticket up (a second one gets UNKNOWN_TICKET, SERVER_ERROR). Before
   issue, it gets NOT_ISSUED and the ticket stays. After the auth_req_id expired: poll
   gets SERVER_ERROR with EXPIRED; ping gets NOTIFICATION with {"auth_req_id"}; push gets
   NOTIFICATION with {"error":"expired_token", ..., "auth_req_id"}. A push notification's
   result is COMPLETE_NOTIFICATION (invented, A198091); poll and ping get the spec's
   A198001. SERVER_ERROR answers carry no responseContent. A push error carries
   error_description and error_uri only when errorDescription and errorUri were given
   (as the spec says); in poll and ping mode the token endpoint uses them for
   access_denied. scopes, sub, claims, acr, authTime,
   accessToken and the durations shape the tokens.
14. /auth/token with the CIBA grant: a missing grant_type or auth_req_id is
   invalid_request; another grant type is unsupported_grant_type, judged before the
   client is authenticated. A push client gets unauthorized_client. An auth_req_id that
   is unknown, used, or another client's is invalid_grant. While undecided a poll gets
   authorization_pending, or slow_down when it comes less than the interval after the
   previous poll of that auth_req_id (the first poll is never too soon); each slow_down
   makes that interval 5 s longer, for every later poll. The interval is not checked
   once the request is decided. A denial answers access_denied, and TRANSACTION_FAILED
   or expiry expired_token, until the auth_req_id has been expired for 10 minutes (then
   invalid_grant). Tokens come once: access and refresh tokens are random, the ID token
   is a JWT signed HS256 with the client's secret (iss is the service's issuer, aud the
   client ID, at_hash always; in push mode also rt_hash and the auth_req_id claim).
   responseContent holds access_token, token_type Bearer, expires_in, scope,
   refresh_token and id_token. Every refusal is BAD_REQUEST with {"error",
   "error_description"} as in assumption 11 (INVALID_CLIENT for invalid_client).
15. accept_any_ticket (load tests): fail succeeds for any non-empty ticket; issue and
   complete act for the first registered client when the ticket is unknown;
   /backchannel/authentication answers a ticket it does not keep; an auth_req_id
   nobody issued gets tokens at once (subject "emulated-user"). Nothing of that is
   stored, so memory stays flat however many calls come.

Codes the emulator invents follow the numbering of the spec's examples (A, a three-digit
API group, then 0xx for success, 1xx for an Authlete-side error, 2xx for a caller error)
plus 3xx for an error in the client application's request that the caller passed on,
and always have 9 as their tens digit, so they are easy to tell from codes copied from
the spec.
"""
