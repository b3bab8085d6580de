//! Unit tests of the parent module.
use super::*;

#[test]
fn rfc7518_appendix_c_concat_kdf() {
    // ECDH-ES key agreement example of RFC 7518 Appendix C (A128GCM, "Alice", "Bob").
    let bob = DecryptionKey::ec_from_scalar(
        &unb64("VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw").unwrap_or_default(),
    )
    .unwrap();
    assert_eq!(
        bob.public_jwk().x.as_deref(),
        Some("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ")
    );
    let alice_pub = Jwk {
        kty: "EC".into(),
        kid: None,
        use_: None,
        alg: None,
        crv: Some("P-256".into()),
        x: Some("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0".into()),
        y: Some("SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps".into()),
        n: None,
        e: None,
    };
    let DecryptionKey::Ec { key, .. } = &bob else {
        panic!("not the expected shape")
    };
    let point = ec_point(&alice_pub).unwrap_or_default();
    let derived = agreement::agree(key, UnparsedPublicKey::new(&ECDH_P256, &point), (), |z| {
        Ok(concat_kdf(z, "A128GCM", b"Alice", b"Bob", 128))
    })
    .unwrap_or_default();
    assert_eq!(b64(&derived), "VqqN6vgjbSBcIijNcacQGg");
}

#[test]
fn rfc7520_5_2_a256gcm_content_layer() {
    // RFC 7520 §5.2 (RSA-OAEP + A256GCM): decrypt the content with the given CEK.
    let protected = "eyJhbGciOiJSU0EtT0FFUCIsImtpZCI6InNhbXdpc2UuZ2FtZ2VlQGhvYmJpdG9uLmV4YW1wbGUiLCJlbmMiOiJBMjU2R0NNIn0";
    let cek = unb64("mYMfsggkTAm0TbvtlFh2hyoXnbEzJQjMxmgLN3d8xXA").unwrap_or_default();
    let iv = unb64("-nBoKLH0YkLZPSI9").unwrap_or_default();
    let ct = unb64("o4k2cnGN8rSSw3IDo1YuySkqeS_t2m1GXklSgqBdpACm6UJuJowOHC5ytjqYgRL-I-soPlwqMUf4UgRWWeaOGNw6vGW-xyM01lTYxrXfVzIIaRdhYtEMRBvBWbEwP7ua1DRfvaOjgZv6Ifa3brcAM64d8p5lhhNcizPersuhw5f-pGYzseva-TUaL8iWnctc-sSwy7SQmRkfhDjwbz0fz6kFovEgj64X1I5s7E6GLp5fnbYGLa1QUiML7Cc2GxgvI7zqWo0YIEc7aCflLG1-8BboVWFdZKLK9vNoycrYHumwzKluLWEbSVmaPpOslY2n525DxDfWaVFUfKQxMF56vn4B9QMpWAbnypNimbM8zVOw").unwrap_or_default();
    let tag = unb64("UCGiqJxhBI3IFVdPalHHvA").unwrap_or_default();
    let plain = decrypt_content(protected, &cek, &iv, &ct, &tag).unwrap_or_default();
    assert!(String::from_utf8_lossy(&plain)
        .starts_with("You can trust us to stick with you through thick and thin"));
    let mut bad_tag = tag.clone();
    bad_tag[0] ^= 1;
    assert_eq!(
        decrypt_content(protected, &cek, &iv, &ct, &bad_tag),
        Err(JoseError::BadSignature)
    );
}

#[test]
fn round_trips_and_strictness() {
    for alg in [JweAlg::RsaOaep256, JweAlg::EcdhEs] {
        let k = DecryptionKey::generate(alg, "k1").unwrap();
        let t = encrypt(b"secret payload", &k.public_jwk(), alg, Some("JWT")).unwrap_or_default();
        assert_eq!(k.decrypt(&t).unwrap_or_default(), b"secret payload");
        // tampered ciphertext
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let mut ct = unb64(&parts[3]).unwrap_or_default();
        ct[0] ^= 1;
        parts[3] = b64(&ct);
        assert!(k.decrypt(&parts.join(".")).is_err());
        // another key of the other algorithm refuses the token
        let other = DecryptionKey::generate(
            if alg == JweAlg::EcdhEs {
                JweAlg::RsaOaep256
            } else {
                JweAlg::EcdhEs
            },
            "",
        )
        .unwrap();
        assert!(matches!(
            other.decrypt(&t),
            Err(JoseError::UnexpectedAlg(_))
        ));
        // pkcs8 round trip
        let again = DecryptionKey::from_pkcs8(alg, "k1", k.pkcs8().to_vec()).unwrap();
        assert_eq!(again.public_jwk(), k.public_jwk());
    }
    // unknown enc is refused
    let k = DecryptionKey::generate(JweAlg::EcdhEs, "").unwrap();
    let t = encrypt(b"x", &k.public_jwk(), JweAlg::EcdhEs, None).unwrap_or_default();
    let header: Value =
        serde_json::from_slice(&unb64(t.split('.').next().unwrap_or("")).unwrap_or_default())
            .unwrap_or_default();
    let mut h = header.clone();
    h["enc"] = json!("A128CBC-HS256");
    let forged = format!(
        "{}.{}",
        b64(h.to_string().as_bytes()),
        t.split_once('.').map(|x| x.1).unwrap_or("")
    );
    assert!(matches!(
        k.decrypt(&forged),
        Err(JoseError::UnexpectedAlg(_))
    ));
    // an epk on the wrong curve is refused
    let mut h = header;
    h["epk"]["crv"] = json!("P-384");
    let forged = format!(
        "{}.{}",
        b64(h.to_string().as_bytes()),
        t.split_once('.').map(|x| x.1).unwrap_or("")
    );
    assert!(k.decrypt(&forged).is_err());
}
