"""Authentication and sessions (NW2xx): tokens, password storage, login flows."""

from __future__ import annotations

from nodeward.findings import Confidence, Severity
from nodeward.practices import Practice
from nodeward.rulemeta import Owasp, RuleMeta

_AUTH_REFS = (
    "OWASP Authentication Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html",
)

_JWT_REFERENCES = (
    "OWASP JSON Web Token Cheat Sheet: "
    "https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html",
    "jsonwebtoken: https://github.com/auth0/node-jsonwebtoken#readme",
)

_OWASP_PASSWORDS = "OWASP Password Storage Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html"

_TOKEN_REFERENCES = (
    "OWASP Cryptographic Storage Cheat Sheet (secure random numbers): https://cheatsheetseries.owasp.org/cheatsheets/Cryptographic_Storage_Cheat_Sheet.html#secure-random-number-generation",
    "Node.js crypto.randomBytes: https://nodejs.org/api/crypto.html#cryptorandombytessize-callback",
)


JWT_DECODE_AS_VERIFY = RuleMeta(
    code="NW201",
    name="jwt-decode-as-verify",
    title="JWT decoded without verifying its signature, then trusted",
    cwe=(345, 347),
    owasp=Owasp.A07,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks `jwt.decode()` (jsonwebtoken), `decodeJwt()` (jose) and `jwtDecode()` "
        "(jwt-decode) in a function that never verifies a token (no call whose name "
        "contains `verify`) when the result is trusted: the function is a request "
        "handler or middleware (it takes `req`/`request` or `next`), or the decoded value "
        "is stored on `req`/`res.locals`."
    ),
    why=(
        "Decoding only base64-decodes the payload; anyone can write a token saying "
        '`{"sub": "admin"}`. Authenticating on a decoded token lets attackers log in as '
        "anyone."
    ),
    example="const user = jwt.decode(req.headers.authorization);\nreq.user = user;",
    use_instead=(
        'req.user = jwt.verify(req.headers.authorization, publicKey, { algorithms: ["RS256"] });'
    ),
    fix="Use jwt.verify(token, key, { algorithms: [...] }) instead of jwt.decode",
    references=_JWT_REFERENCES,
)

JWT_VERIFY_ALGORITHMS = RuleMeta(
    code="NW202",
    name="jwt-verify-algorithms",
    title="JWT verification does not pin the accepted algorithms, or accepts `none`",
    cwe=(347, 327),
    owasp=Owasp.A02,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks `jwt.verify(token, key)` (jsonwebtoken) and `expressjwt({ secret })` "
        "(express-jwt) without an `algorithms` list, `algorithms` containing `none`, and "
        '`jwt.sign` with `algorithm: "none"`. Options hidden behind a spread or built '
        "elsewhere are not judged. A jsonwebtoken key that is a shared HMAC secret (a "
        "string literal that is no PEM, or a variable, property or environment variable "
        "named secret) is not reported: jsonwebtoken then accepts only HS256/384/512 and "
        "refuses unsigned tokens."
    ),
    why=(
        "A verifier that takes the algorithm from the token's own header can be fooled: "
        "`none` tokens carry no signature, and an HS256 token signed with an RSA public "
        "key passes as valid (algorithm confusion). express-jwt 6+ refuses to start "
        "without `algorithms`."
    ),
    example="const claims = jwt.verify(token, publicKey);",
    use_instead='const claims = jwt.verify(token, publicKey, { algorithms: ["RS256"] });',
    fix='Pin the algorithms: jwt.verify(token, key, { algorithms: ["RS256"] })',
    references=(
        *_JWT_REFERENCES,
        "Critical vulnerabilities in JSON Web Token libraries: "
        "https://auth0.com/blog/critical-vulnerabilities-in-json-web-token-libraries/",
    ),
)

JWT_IGNORE_EXPIRATION = RuleMeta(
    code="NW203",
    name="jwt-ignore-expiration",
    title="JWT expiry is ignored, or tokens are issued without one",
    cwe=(613,),
    owasp=Owasp.A07,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks `jwt.verify` options for `ignoreExpiration: true` (without a `maxAge` "
        "bound), and, at low severity, `jwt.sign` calls whose options set no `expiresIn` "
        "and whose payload literal has no `exp`."
    ),
    why=(
        "A token that never expires stays valid forever once stolen or leaked, including "
        "after logout or a password change."
    ),
    example='jwt.verify(token, key, { algorithms: ["HS256"], ignoreExpiration: true });',
    use_instead=(
        'jwt.sign({ sub: user.id }, key, { algorithm: "HS256", expiresIn: "15m" });\n'
        'jwt.verify(token, key, { algorithms: ["HS256"] });'
    ),
    fix='Let jwt.verify check `exp`, and sign with { expiresIn: "15m" }',
    references=_JWT_REFERENCES,
)

WEAK_PASSWORD_HASH = RuleMeta(
    code="NW210",
    name="weak-password-hash",
    title="Passwords are hashed with a fast digest",
    cwe=(916, 328),
    owasp=Owasp.A02,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks `crypto.createHash(...)` and `crypto.createHmac(...)` chains, and the md5, "
        "sha1, js-sha256/js-sha512 and crypto-js digests, whose input, result or enclosing "
        "function is about a password (`update(password)`, `user.password = ...`, "
        "`hashPassword()`). Digests of other data (ETags, cache keys, file checksums) are "
        "not reported."
    ),
    why=(
        "MD5 and the SHA families are built to be fast: a GPU tries billions of guesses a "
        "second against a leaked table, and unsalted digests fall to precomputed tables. "
        "An HMAC with a server key is no better once the key leaks with the data."
    ),
    example=(
        "user.password = crypto.createHash('sha256').update(req.body.password).digest('hex');"
    ),
    use_instead="user.password = await bcrypt.hash(req.body.password, 12);  // or argon2.hash",
    fix="Hash passwords with bcrypt (cost >= 10), argon2id or scrypt, and rehash on login",
    references=(_OWASP_PASSWORDS,),
)

PLAINTEXT_PASSWORD = RuleMeta(
    code="NW211",
    name="plaintext-password",
    title="Passwords are stored, queried or compared in plaintext",
    cwe=(256, 312),
    owasp=Owasp.A02,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks for a stored password compared with `==`/`===` to another value "
        "(`user.password === req.body.password`); database queries that look a user up by "
        "the raw password (`findOne({ username, password })`, SQL `... AND password = ?`); "
        "and records created from the request's password (`User.create({ password: "
        "req.body.password })`) in a function that hashes nothing, in a project that uses "
        "no password-hashing library (bcrypt, argon2, scrypt: those usually hash in a model "
        "hook). Also follows the request's password through the taint engine into a "
        "database write's password field, across modules (a DAO or service in another "
        "file), callbacks and promises: reported unless the value passed through a hashing "
        "call on the way (a callee named hash, crypt, scrypt, pbkdf2, argon: bcrypt.hash, "
        "a project's hashPassword) or the model hashes in a hook or setter (mongoose "
        "`pre('save')`, sequelize hooks, typeorm @BeforeInsert). Password confirmation "
        "checks between two request fields are not reported."
    ),
    why=(
        "Plaintext passwords turn any database leak, backup or SQL injection into account "
        "takeover here and, through password reuse, on other sites. `===` on secrets also "
        "leaks timing."
    ),
    example="if (user.password === req.body.password) { req.session.userId = user.id; }",
    use_instead="if (await bcrypt.compare(req.body.password, user.passwordHash)) { ... }",
    fix="Store bcrypt/argon2 hashes and check them with bcrypt.compare / argon2.verify",
    references=(_OWASP_PASSWORDS,),
)

BCRYPT_LOW_COST = RuleMeta(
    code="NW212",
    name="bcrypt-low-cost",
    title="bcrypt is used with a cost factor below 10",
    cwe=(916,),
    owasp=Owasp.A02,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    what=(
        "Checks bcrypt, bcryptjs and @node-rs/bcrypt `hash`/`hashSync` (second argument) "
        "and `genSalt`/`genSaltSync` (first argument) for a literal cost below 10, also "
        "when the cost is a constant defined elsewhere in the file (`const saltRounds = 8`)."
    ),
    why=(
        "Each step of the cost doubles the work of an attacker cracking a leaked hash; a "
        "cost of 8 is 4 times cheaper to attack than 10, and costs below 10 are no longer "
        "considered adequate."
    ),
    example="const hash = await bcrypt.hash(password, 8);",
    use_instead="const hash = await bcrypt.hash(password, 12);",
    fix="Use a cost of at least 10 (12 is a good default on current hardware)",
    references=(_OWASP_PASSWORDS,),
)

INSECURE_RANDOM_TOKEN = RuleMeta(
    code="NW213",
    name="insecure-random-token",
    title="A secret token is built with Math.random() or a time-based UUID",
    cwe=(338, 330),
    owasp=Owasp.A02,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks `Math.random()` (including `Math.random().toString(36)` and character-picking "
        "loops) and uuid `v1()` whose result is stored under, returned from or built in a "
        "function named like a secret: token, reset/verification code, OTP, PIN, nonce, "
        "salt, session id, CSRF token, API key, password; and values passed to "
        "`res.cookie`. `crypto.randomBytes`, `crypto.randomUUID`, `crypto.randomInt`, uuid "
        "v4 and nanoid are fine; Math.random for ids, colours or jitter is not reported."
    ),
    why=(
        "Math.random() is a fast, predictable generator (xorshift128+ in V8): a few outputs "
        "reveal its state and every later token. uuid v1 is a timestamp plus the host's MAC "
        "address. Either lets an attacker predict password-reset codes or session ids."
    ),
    example="const resetToken = Math.random().toString(36).slice(2);",
    use_instead="const resetToken = crypto.randomBytes(32).toString('hex');",
    fix="Use crypto.randomBytes(32).toString('hex'), crypto.randomUUID() or crypto.randomInt",
    references=_TOKEN_REFERENCES,
)

PREDICTABLE_TOKEN = RuleMeta(
    code="NW214",
    name="predictable-token",
    title="A secret token is derived from guessable data",
    cwe=(340, 330),
    owasp=Owasp.A07,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks values stored under token-like names (token, reset code, OTP, nonce, session "
        "id, ...) that are a timestamp (`Date.now().toString()`, `new Date().getTime()`) or a "
        "`crypto.createHash(...)` digest of data an attacker knows or can guess (email, "
        "username, user id, the current time) with nothing random or secret mixed in. "
        "HMACs with a server key and anything built with randomBytes/uuid/nanoid are fine."
    ),
    why=(
        "Anyone who knows the email address and roughly when a reset was requested can "
        "compute the token: hashing does not add secrecy to guessable input."
    ),
    example=(
        "const resetToken = crypto.createHash('sha256').update(user.email + Date.now())"
        ".digest('hex');"
    ),
    use_instead="const resetToken = crypto.randomBytes(32).toString('hex');",
    fix="Generate tokens with crypto.randomBytes(32) and store only their hash",
    references=_TOKEN_REFERENCES,
)

HOMEMADE_ENCRYPTION = RuleMeta(
    code="NW215",
    name="homemade-encryption",
    title='Data is "encrypted" with XOR against a fixed key, or only base64-encoded',
    cwe=(327, 261),
    owasp=Owasp.A02,
    practices=(Practice.SECRETS,),
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    what=(
        "Checks XOR ciphers written by hand: a character code or byte of the data "
        "(`s.charCodeAt(i)`, `buf[i]`) XORed with a repeating key (`key.charCodeAt(i % "
        "key.length)`, `key[i % key.length]`), with a value named like a key or secret, or "
        "(inside a function named encrypt/decrypt/cipher/obfuscate) with a constant, when "
        "the result builds the output (`String.fromCharCode`, `out[i] = ...`, `push`). And "
        "functions named encrypt/decrypt/cipher whose body only base64-encodes or decodes "
        "(`Buffer.from(x).toString('base64')`, `btoa`, `atob`) or shifts letters (rot13). "
        "Constant-time comparisons (`diff |= a[i] ^ b[i]`), hash functions (FNV, CRC) and "
        "functions that also call a real cipher (crypto.createCipheriv, WebCrypto, "
        "crypto-js, tweetnacl, ...) are not reported."
    ),
    why=(
        "A repeating-key XOR is broken by anyone holding one plaintext and its ciphertext, "
        "or by frequency analysis of a few messages, and the key sits in the code shipped "
        "to every client. base64 and rot13 are encodings: anyone reverses them. Data "
        '"protected" this way (tokens, request bodies, stored secrets) is in clear text.'
    ),
    example=(
        "const encrypt = (text) => Buffer.from([...text].map((c, i) =>\n"
        "  c.charCodeAt(0) ^ KEY.charCodeAt(i % KEY.length))).toString('base64');"
    ),
    use_instead=(
        "const iv = crypto.randomBytes(12);\n"
        "const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);\n"
        "const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);\n"
        "return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');"
    ),
    fix=(
        "Use an authenticated cipher (crypto.createCipheriv('aes-256-gcm', key, iv) with a "
        "random IV) and a key from the environment; or TLS, if the goal is transport secrecy"
    ),
    references=(
        "OWASP Cryptographic Storage Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Cryptographic_Storage_Cheat_Sheet.html",
        "CWE-327 Use of a Broken or Risky Cryptographic Algorithm: https://cwe.mitre.org/data/definitions/327.html",
        "Node.js crypto.createCipheriv: https://nodejs.org/api/crypto.html#cryptocreatecipherivalgorithm-key-iv-options",
    ),
)

SESSION_FIXATION = RuleMeta(
    code="NW220",
    name="session-fixation",
    title="Login handler does not regenerate the session",
    cwe=(384,),
    owasp=Owasp.A07,
    practices=(Practice.AUTHENTICATION, Practice.COOKIES_SESSIONS),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports login handlers that store the user in an express-session "
        "(`req.session.userId = ...`) without calling `req.session.regenerate()` first. "
        "passport's req.login/req.logIn regenerate the session since 0.6 and are accepted."
    ),
    why=(
        "If the session id is kept across login, an attacker who planted a session id in "
        "the victim's browser (a subdomain cookie, a shared machine) is logged in as the "
        "victim as soon as the victim signs in."
    ),
    example='req.session.userId = user.id;\nres.redirect("/");',
    use_instead=(
        "req.session.regenerate((err) => {\n  if (err) return next(err);\n"
        '  req.session.userId = user.id;\n  res.redirect("/");\n});'
    ),
    fix=(
        "Call req.session.regenerate() before storing the user in the session "
        "(or use passport >= 0.6 req.login)"
    ),
    references=(
        *_AUTH_REFS,
        "OWASP Session Management Cheat Sheet (renew the session id): https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
    ),
)

USER_ENUMERATION = RuleMeta(
    code="NW221",
    name="user-enumeration",
    title="Login or password-reset answers differently for unknown users",
    cwe=(204, 203),
    owasp=Owasp.A07,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports login handlers whose failure answers differ between an unknown user and "
        "a wrong password (different messages or status codes), and password-reset "
        "handlers that tell the client no account exists."
    ),
    why=(
        "An attacker learns which e-mail addresses have accounts, and then targets exactly "
        "those with password guessing, phishing or credential stuffing."
    ),
    example=(
        'if (!user) return res.status(404).json({ error: "User not found" });\n'
        'if (!ok) return res.status(401).json({ error: "Wrong password" });'
    ),
    use_instead=(
        'if (!user || !ok) return res.status(401).json({ error: "Invalid e-mail or password" });'
    ),
    fix=(
        'Answer every failed login with the same status and message ("Invalid e-mail or '
        'password"), and always report success on password-reset requests'
    ),
    references=_AUTH_REFS,
)

WEAK_PASSWORD_POLICY = RuleMeta(
    code="NW222",
    name="weak-password-policy",
    title="Sign-up or password change accepts any password",
    cwe=(521,),
    owasp=Owasp.A07,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports sign-up, register, password change and reset handlers that read a password "
        "from the request body and hash or store it with no length or strength check: no "
        "`.length` comparison, no validator.isStrongPassword / zxcvbn, no joi/yup/zod or "
        "express-validator rule, no regex test. Also reports a password validation regex "
        "anchored at both ends (`/^.{1,20}$/`) that accepts passwords shorter than 8 "
        "characters, whatever the variable is called, unless the same function also "
        "compares the length; and a schema rule that sets a minimum below 8 on a password "
        "field (`z.string().min(4)`, `Joi.string().min(3)`, "
        '`body("password").isLength({ min: 4 })`) with no strength check beside it, outside '
        "sign-in forms."
    ),
    why=(
        "Users pick one-character and top-10 passwords when allowed to, and those fall to "
        "the first guesses of any credential-stuffing or brute-force run."
    ),
    example="const hash = await bcrypt.hash(req.body.password, 12);",
    use_instead=(
        'if (req.body.password.length < 12) return res.status(400).send("Password too short");\n'
        "const hash = await bcrypt.hash(req.body.password, 12);"
    ),
    fix=(
        "Check the password before storing it: at least 12 characters (NIST 800-63B), "
        'e.g. body("password").isLength({ min: 12 }) or zxcvbn'
    ),
    references=(
        *_AUTH_REFS,
        "NIST SP 800-63B 5.1.1 Memorized Secrets: https://pages.nist.gov/800-63-3/sp800-63b.html",
    ),
)

FAILED_LOGIN_NOT_LOGGED = RuleMeta(
    code="NW223",
    name="failed-login-not-logged",
    title="Failed logins are not logged",
    cwe=(778,),
    owasp=Owasp.A09,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.LOW,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports login handlers that answer a failed login (401/403, invalid credentials) "
        "without any logging call (console, logger, winston, pino, bunyan, log4js, an audit "
        "helper), and passport verify callbacks (passport-local, HTTP Basic; inline, a local "
        "function, imported from another module or a static method) that reject a login "
        "(`done(null, false, ...)`) and log nothing."
    ),
    why=(
        "Credential stuffing and password guessing go unnoticed when failures leave no "
        "trace; there is nothing to alert on and nothing to investigate afterwards."
    ),
    example='if (!ok) return res.status(401).send("Invalid credentials");',
    use_instead=(
        'if (!ok) {\n  logger.warn({ user: email, ip: req.ip }, "failed login");\n'
        '  return res.status(401).send("Invalid credentials");\n}'
    ),
    fix="Log every failed login (user name, source IP, time) with the app's logger",
    references=(
        "OWASP Logging Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html",
    ),
)

NO_SECOND_FACTOR = RuleMeta(
    code="NW224",
    name="no-second-factor",
    title="Password login with no second factor anywhere in the app",
    cwe=(308,),
    owasp=Owasp.A07,
    practices=(Practice.AUTHENTICATION,),
    severity=Severity.INFO,
    confidence=Confidence.MEDIUM,
    what=(
        "Reports, once, an app that signs users in with a password but uses no TOTP or "
        "WebAuthn library (otplib, speakeasy, node-2fa, notp, otpauth, "
        "@simplewebauthn/server, fido2-lib)."
    ),
    why=(
        "A password alone falls to phishing, reuse and stuffing; a second factor stops "
        "most account takeovers."
    ),
    example='router.post("/login", passport.authenticate("local"), done);',
    use_instead=(
        'import { authenticator } from "otplib";\n'
        "if (!authenticator.check(req.body.code, user.totpSecret)) return res.sendStatus(401);"
    ),
    fix="Offer a second factor: TOTP (otplib) or WebAuthn (@simplewebauthn/server)",
    references=(
        *_AUTH_REFS,
        "OWASP Multifactor Authentication Cheat Sheet: https://cheatsheetseries.owasp.org/cheatsheets/Multifactor_Authentication_Cheat_Sheet.html",
    ),
)


RULES: tuple[RuleMeta, ...] = (
    JWT_DECODE_AS_VERIFY,
    JWT_VERIFY_ALGORITHMS,
    JWT_IGNORE_EXPIRATION,
    WEAK_PASSWORD_HASH,
    PLAINTEXT_PASSWORD,
    BCRYPT_LOW_COST,
    INSECURE_RANDOM_TOKEN,
    PREDICTABLE_TOKEN,
    HOMEMADE_ENCRYPTION,
    SESSION_FIXATION,
    USER_ENUMERATION,
    WEAK_PASSWORD_POLICY,
    FAILED_LOGIN_NOT_LOGGED,
    NO_SECOND_FACTOR,
)
