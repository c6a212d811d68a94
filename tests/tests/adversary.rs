//! A dishonest peer, on a real mTLS port: it lists one release and then streams far
//! more than was asked for (the same item again and again). The node takes what it
//! asked for once, cuts the stream off, stores nothing it did not verify, and goes on
//! serving.

use std::sync::Arc;

use vrs_proto::v1 as pb;
use vrs_proto::v1::federation_service_server::{FederationService, FederationServiceServer};
use vrs_tests::federation::{held, sync_now};
use vrs_tests::{InProcessNode, Pki, add_peer, node_files};

/// Copies of the one release the dishonest peer streams.
const FLOOD: usize = 20_000;

struct Flooder {
    digest: Vec<u8>,
}

type Stream = std::pin::Pin<
    Box<dyn tokio_stream::Stream<Item = Result<pb::FetchedRelease, tonic::Status>> + Send>,
>;

fn no<T>() -> Result<tonic::Response<T>, tonic::Status> {
    Err(tonic::Status::unimplemented("not this peer"))
}

#[tonic::async_trait]
impl FederationService for Flooder {
    type FetchReleasesStream = Stream;

    async fn manifest(
        &self,
        req: tonic::Request<pb::ManifestRequest>,
    ) -> Result<tonic::Response<pb::ManifestResponse>, tonic::Status> {
        let head = vrs_node::sync::cursor_token(1);
        let r = req.into_inner();
        if !r.holdings.is_empty() {
            return Ok(tonic::Response::new(pb::ManifestResponse {
                cursor: head,
                news: vec![pb::OriginHoldings {
                    origin: "MYS".into(),
                    digest: vec![1; 32],
                }],
                ..Default::default()
            }));
        }
        Ok(tonic::Response::new(pb::ManifestResponse {
            cursor: head,
            releases: vec![pb::ReleaseInfo {
                origin: "MYS".into(),
                table: "MOVEMENTS".into(),
                period: "2026-M10".into(),
                version: 1,
                digest: self.digest.clone(),
                ..Default::default()
            }],
            ..Default::default()
        }))
    }

    async fn fetch_releases(
        &self,
        _req: tonic::Request<pb::FetchReleasesRequest>,
    ) -> Result<tonic::Response<Stream>, tonic::Status> {
        let item = pb::FetchedRelease {
            digest: self.digest.clone(),
            envelope: Some(pb::Envelope {
                payload_type: "application/vnd.vrs.release+json".into(),
                payload: vec![b'x'; 512],
                ..Default::default()
            }),
        };
        let items = std::iter::repeat_n(Ok(item), FLOOD);
        Ok(tonic::Response::new(Box::pin(tokio_stream::iter(items))))
    }

    async fn get_checkpoint(
        &self,
        _req: tonic::Request<pb::GetCheckpointRequest>,
    ) -> Result<tonic::Response<pb::SignedCheckpoint>, tonic::Status> {
        no()
    }

    async fn get_checkpoint_since(
        &self,
        _req: tonic::Request<pb::CheckpointSince>,
    ) -> Result<tonic::Response<pb::CheckpointUpdate>, tonic::Status> {
        no()
    }

    async fn get_consistency_proof(
        &self,
        _req: tonic::Request<pb::ConsistencyProofRequest>,
    ) -> Result<tonic::Response<pb::ConsistencyProofResponse>, tonic::Status> {
        no()
    }

    async fn cosign(
        &self,
        _req: tonic::Request<pb::CosignRequest>,
    ) -> Result<tonic::Response<pb::CosignResponse>, tonic::Status> {
        no()
    }

    async fn get_roster(
        &self,
        _req: tonic::Request<pb::RosterRequest>,
    ) -> Result<tonic::Response<pb::RosterNote>, tonic::Status> {
        no()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_that_streams_more_than_was_asked_is_cut_off_and_nothing_is_stored() {
    let pki = Pki::new();
    // The dishonest peer MYS: a real node certificate and note key, its own server.
    let (signer, _) = vrs_core::note::NoteSigner::generate("vrs.local/state/MYS").expect("key");
    let (listener, tls) = pki.node_listener("MYS").await;
    let port = listener.local_addr().expect("addr").port();
    let incoming = vrs_node::tls::incoming_with(
        listener,
        tls,
        vrs_node::tls::AcceptLimits::with_handshake_timeout(std::time::Duration::from_secs(5)),
        Arc::new(vrs_node::tls::AcceptStats::default()),
        |_| {},
    );
    let flooder = Flooder {
        digest: vec![7; 32],
    };
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(FederationServiceServer::new(flooder))
            .serve_with_incoming(incoming),
    );

    let files = node_files(
        &pki,
        "AUS",
        None,
        "[sync]\nattempts = 1\npeer_deadline_s = 30\njitter_s = 0\n",
    );
    add_peer(&files, "MYS", port, &signer.verifier_key()).expect("peer");
    let aus = InProcessNode::start(&files).await;
    let st = sync_now(&pki, &aus, "AUS").await;
    let r = st.peers.iter().find(|p| p.peer == "MYS").expect("record");
    // The one item asked for is refused (its bytes are not the digest's); the copies
    // after it are not asked for, and the stream is cut off after as many again.
    assert!(
        r.rejected.len() <= 2,
        "{} rejections of {FLOOD} items streamed: {:?}",
        r.rejected.len(),
        &r.rejected[..r.rejected.len().min(5)]
    );
    assert!(!r.rejected.is_empty());
    assert_eq!(r.fetched, 0);
    assert!(held(&pki, &aus).await.is_empty(), "nothing stored");
    // The node goes on serving.
    assert_eq!(sync_now(&pki, &aus, "AUS").await.peers.len(), 1);
    aus.stop().await;
}
