//! The Redis store against a real `redis-server` (Debian's, installed by
//! scripts/setup.sh), started on a free port for each test and stopped after it.

use super::*;
use crate::store::Store;
use overshoot_protocol::v1beta::endpoints::Generation;
use std::process::{Child, Command, Stdio};

/// A redis-server on a free port, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn server() -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (Debian package redis-server, installed by scripts/setup.sh)");
    let server = Server {
        child,
        url: format!("redis://127.0.0.1:{port}/"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("redis-server did not start on port {port}");
}

fn record(user: &str, instance: &str) -> StreamRecord {
    StreamRecord {
        user: user.into(),
        instance: instance.into(),
        api: Generation::Streams,
        liveness: Liveness {
            created_ms: 1_000,
            renewed_ms: 1_000,
            lease_ms: 30_000,
            sockets_open: 0,
            socket_closed_ms: None,
        },
    }
}

#[tokio::test]
async fn two_gateways_share_one_cap_and_one_record() {
    let server = server().await;
    let a = Store::Redis(RedisStore::connect(&server.url).await.unwrap());
    let b = Store::Redis(RedisStore::connect(&server.url).await.unwrap());
    // Ten creates race for a cap of 3 from two instances: exactly 3 win.
    let tries = (0..10).map(|i| {
        let store = if i % 2 == 0 { &a } else { &b };
        store.reserve("u", 3, 0)
    });
    let won: Vec<_> = futures_util::future::join_all(tries)
        .await
        .into_iter()
        .filter_map(Result::unwrap)
        .collect();
    assert_eq!(won.len(), 3);
    a.commit(&won[0], "s1", &record("u", "ia")).await.unwrap();
    b.cancel(&won[1]).await.unwrap();
    assert!(
        a.reserve("u", 3, 0).await.unwrap().is_some(),
        "the cancelled slot is free"
    );
    assert_eq!(b.reserve("u", 3, 0).await.unwrap(), None);

    assert_eq!(b.get("s1").await.unwrap(), Some(record("u", "ia")));
    b.renewed("s1", 5_000, 2_000).await.unwrap();
    b.socket("s1", 1, 6_000).await.unwrap();
    a.socket("s1", -1, 7_000).await.unwrap();
    let l = a.get("s1").await.unwrap().unwrap().liveness;
    assert_eq!(
        (l.renewed_ms, l.lease_ms, l.sockets_open, l.socket_closed_ms),
        (5_000, 2_000, 0, Some(7_000))
    );
    assert_eq!(a.all().await.unwrap().len(), 1);

    let (first, second) = tokio::join!(a.remove("s1"), b.remove("s1"));
    let removed = [first.unwrap(), second.unwrap()];
    assert_eq!(
        removed.iter().filter(|r| r.is_some()).count(),
        1,
        "one remover wins"
    );
    assert_eq!(a.get("s1").await.unwrap(), None);
    assert!(a.all().await.unwrap().is_empty());
    a.socket("s1", 1, 8_000).await.unwrap();
    assert_eq!(
        a.get("s1").await.unwrap(),
        None,
        "a late socket event does not resurrect it"
    );
    assert!(
        b.reserve("u", 3, 0).await.unwrap().is_some(),
        "the removed stream's slot is free"
    );
}

#[tokio::test]
async fn a_reservation_of_a_dead_gateway_expires() {
    let server = server().await;
    let a = Store::Redis(RedisStore::connect(&server.url).await.unwrap());
    assert!(a.reserve("u", 1, 0).await.unwrap().is_some());
    assert_eq!(a.reserve("u", 1, RESERVATION_MS - 1).await.unwrap(), None);
    assert!(a.reserve("u", 1, RESERVATION_MS).await.unwrap().is_some());
}

#[tokio::test]
async fn a_records_generation_survives_the_round_trip() {
    let server = server().await;
    let a = Store::Redis(RedisStore::connect(&server.url).await.unwrap());
    let v1beta = StreamRecord {
        api: Generation::V1beta,
        ..record("u", "ia")
    };
    let r = a.reserve("u", 2, 0).await.unwrap().unwrap();
    a.commit(&r, "s2", &v1beta).await.unwrap();
    assert_eq!(a.get("s2").await.unwrap(), Some(v1beta.clone()));
    assert_eq!(a.remove("s2").await.unwrap(), Some(v1beta));
}

#[tokio::test]
async fn two_gateways_share_one_chat_rate() {
    let server = server().await;
    let a = Store::Redis(RedisStore::connect(&server.url).await.unwrap());
    let b = Store::Redis(RedisStore::connect(&server.url).await.unwrap());
    crate::store::check_chat_rate(&a, &b).await;
}
