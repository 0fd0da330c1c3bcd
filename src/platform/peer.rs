//! The RTCPeerConnection of one session: a single send-only video transceiver.

use super::error::SdkError;
use super::runtime::cap_after_first_frame as cap_after_first_frame_js;
use js_sys::{Array, Object, Reflect};
use overshoot_protocol::send_limits::SendLimits;
use overshoot_protocol::ErrorKind;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MediaStream, MediaStreamTrack, RtcConfiguration, RtcIceTransportPolicy, RtcPeerConnection,
    RtcPeerConnectionState, RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType,
    RtcSessionDescriptionInit,
};

/// Owns a peer connection and its state-change handler; closes it on drop.
pub struct PeerOwner {
    pc: RtcPeerConnection,
    relay_only: bool,
    /// The frame-rate and bitrate caps to apply once the first frame is out (armed
    /// when connected).
    deferred_caps: Rc<Cell<Option<SendLimits>>>,
    /// Cancels the wait for the first frame (`capAfterFirstFrame`), if armed.
    caps_wait: Rc<RefCell<Option<js_sys::Function>>>,
    _on_state: Closure<dyn FnMut()>,
}

impl PeerOwner {
    /// A peer connection with `ice_servers` (an array of `RTCIceServer` dictionaries),
    /// restricted to relayed (TURN) candidates when `relay_only`; `on_state` receives
    /// every `connectionState` change.
    pub fn new(
        ice_servers: &Array,
        relay_only: bool,
        on_state: impl Fn(RtcPeerConnectionState) + 'static,
    ) -> Result<PeerOwner, SdkError> {
        let pc = RtcPeerConnection::new_with_configuration(&configuration(ice_servers, relay_only))
            .map_err(|e| {
                SdkError::from_js(ErrorKind::WebRtc, "cannot create RTCPeerConnection", e)
            })?;
        let pc_for_handler = pc.clone();
        let deferred_caps = Rc::new(Cell::new(None));
        let deferred = deferred_caps.clone();
        let caps_wait = Rc::new(RefCell::new(None));
        let wait = caps_wait.clone();
        let on_state = Closure::<dyn FnMut()>::new(move || {
            let state = pc_for_handler.connection_state();
            if state == RtcPeerConnectionState::Connected {
                if let Some(limits) = deferred.take() {
                    let cancel = cap_after_first_frame(&pc_for_handler, &limits);
                    wait.replace(Some(cancel));
                }
            }
            on_state(state)
        });
        pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
        Ok(PeerOwner {
            pc,
            relay_only,
            deferred_caps,
            caps_wait,
            _on_state: on_state,
        })
    }

    /// The underlying connection (for stats and tests).
    pub fn connection(&self) -> &RtcPeerConnection {
        &self.pc
    }

    /// Adds `track` as a **send-only** video transceiver associated with `stream`.
    ///
    /// The picture cap goes into `sendEncodings`, so the very first frames are already
    /// at their size. The frame-rate and bitrate caps (and the resolution-keeping
    /// degradation preference) wait until the first frame has been sent: in
    /// `sendEncodings`, or applied when the connection turns `connected`, `maxFramerate`
    /// delayed Chromium's first frame by ~200 ms (bench A/B, n=6: stream created → first
    /// decoded frame 142 ms without it vs 349 ms with it in `sendEncodings`); with a
    /// `maxBitrate` there (368 kbps for 640×480 at 12 fps), libwebrtc dropped the first
    /// frames and started at a quarter of the picture in about one run in three
    /// (bench/first-frame.mjs: 320×240 in 18 of 57 runs, 0 of 32 without it).
    pub fn add_sendonly_video(
        &self,
        track: &MediaStreamTrack,
        stream: &MediaStream,
        limits: Option<&SendLimits>,
    ) -> Result<(), SdkError> {
        let init = RtcRtpTransceiverInit::new();
        init.set_direction(RtcRtpTransceiverDirection::Sendonly);
        init.set_streams(&Array::of1(stream));
        if let Some(limits) = limits {
            let encoding = Object::new();
            set_picture_caps(&encoding, limits);
            let _ = Reflect::set(&init, &"sendEncodings".into(), &Array::of1(&encoding));
            self.deferred_caps.set(Some(*limits));
        }
        self.pc
            .add_transceiver_with_media_stream_track_and_init(track, &init);
        Ok(())
    }

    /// Adds a **send-only** video transceiver with no track yet (start-up overlaps the
    /// camera's warm-up with the negotiation; see `attach_video`). It is associated with
    /// a fresh stream so that the offer names one, as it does with a track.
    pub fn add_sendonly_video_slot(&self) -> Result<(), SdkError> {
        let init = RtcRtpTransceiverInit::new();
        init.set_direction(RtcRtpTransceiverDirection::Sendonly);
        let stream = MediaStream::new()
            .map_err(|e| SdkError::from_js(ErrorKind::WebRtc, "cannot create a MediaStream", e))?;
        init.set_streams(&Array::of1(&stream));
        self.pc.add_transceiver_with_str_and_init("video", &init);
        Ok(())
    }

    /// Puts `track` on the transceiver of `add_sendonly_video_slot`, with the picture
    /// cap of `limits` set first (it depends on the track's size, known only now), so
    /// the first frame is already at its size. The frame-rate and
    /// bitrate caps wait for the first frame as with `add_sendonly_video`.
    pub async fn attach_video(
        &self,
        track: &MediaStreamTrack,
        limits: Option<&SendLimits>,
    ) -> Result<(), SdkError> {
        if let Some(limits) = limits {
            let sender = self.sender()?;
            let params = sender.get_parameters();
            let encodings = Reflect::get(&params, &"encodings".into()).unwrap_or_default();
            let encoding = Array::from(&encodings).get(0);
            if encoding.is_object() {
                set_picture_caps(&encoding, limits);
                JsFuture::from(sender.set_parameters_with_parameters(&params))
                    .await
                    .map_err(|e| SdkError::from_js(ErrorKind::WebRtc, "setParameters failed", e))?;
            }
            if self.pc.connection_state() == RtcPeerConnectionState::Connected {
                let cancel = cap_after_first_frame(&self.pc, limits);
                self.caps_wait.replace(Some(cancel));
            } else {
                self.deferred_caps.set(Some(*limits));
            }
        }
        self.replace_video_track(track).await
    }

    fn sender(&self) -> Result<web_sys::RtcRtpSender, SdkError> {
        self.pc
            .get_senders()
            .get(0)
            .dyn_into::<web_sys::RtcRtpSender>()
            .map_err(|_| SdkError::new(ErrorKind::WebRtc, "the connection has no video sender"))
    }

    /// Sends `track` instead of the current video track, without renegotiation
    /// (`RTCRtpSender.replaceTrack`): same stream, no new POST.
    pub async fn replace_video_track(&self, track: &MediaStreamTrack) -> Result<(), SdkError> {
        let sender = self.sender()?;
        JsFuture::from(sender.replace_track(Some(track)))
            .await
            .map(|_| ())
            .map_err(|e| SdkError::from_js(ErrorKind::WebRtc, "replaceTrack failed", e))
    }

    /// Creates the offer without applying it; returns its SDP.
    pub async fn create_offer(&self) -> Result<String, SdkError> {
        let offer = JsFuture::from(self.pc.create_offer())
            .await
            .map_err(|e| SdkError::from_js(ErrorKind::WebRtc, "createOffer failed", e))?;
        Reflect::get(&offer, &"sdp".into())
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| SdkError::new(ErrorKind::WebRtc, "createOffer returned no SDP"))
    }

    /// Replaces the ICE servers. Must run before `set_local_offer`, which starts ICE
    /// gathering, so that TURN servers from the create response are used.
    pub fn set_ice_servers(&self, ice_servers: &Array) -> Result<(), SdkError> {
        self.pc
            .set_configuration_with_configuration(&configuration(ice_servers, self.relay_only))
            .map_err(|e| {
                SdkError::from_js(
                    ErrorKind::WebRtc,
                    "setConfiguration failed (bad iceServers?)",
                    e,
                )
            })
    }

    /// Applies the local offer.
    pub async fn set_local_offer(&self, sdp: &str) -> Result<(), SdkError> {
        let desc = RtcSessionDescriptionInit::new(RtcSdpType::Offer);
        desc.set_sdp(sdp);
        JsFuture::from(self.pc.set_local_description(&desc))
            .await
            .map(|_| ())
            .map_err(|e| SdkError::from_js(ErrorKind::WebRtc, "setLocalDescription failed", e))
    }

    /// Applies the server's answer.
    pub async fn set_remote_answer(&self, sdp: &str) -> Result<(), SdkError> {
        let desc = RtcSessionDescriptionInit::new(RtcSdpType::Answer);
        desc.set_sdp(sdp);
        JsFuture::from(self.pc.set_remote_description(&desc))
            .await
            .map(|_| ())
            .map_err(|e| {
                SdkError::from_js(ErrorKind::WebRtc, "the server's SDP answer was rejected", e)
            })
    }
}

impl PeerOwner {
    /// Stops waiting for the first frame (its poll timer is cleared): used when the
    /// video stops but the connection stays open a moment longer (`stop()`).
    pub fn stop_waiting(&self) {
        self.deferred_caps.set(None);
        if let Some(cancel) = self.caps_wait.take() {
            let _ = cancel.call0(&JsValue::NULL);
        }
    }
}

impl Drop for PeerOwner {
    fn drop(&mut self) {
        self.stop_waiting();
        self.pc.set_onconnectionstatechange(None);
        self.pc.close();
    }
}

/// Sets the picture cap of `limits` on an `RTCRtpEncodingParameters`. The bitrate cap
/// waits for the first frame, as the frame-rate cap does (see `add_sendonly_video`).
fn set_picture_caps(encoding: &JsValue, limits: &SendLimits) {
    let _ = Reflect::set(
        encoding,
        &"scaleResolutionDownBy".into(),
        &limits.scale_resolution_down_by.into(),
    );
}

/// Caps frame rate and bitrate as `limits` say once the first frame of `pc` is out.
fn cap_after_first_frame(pc: &RtcPeerConnection, limits: &SendLimits) -> js_sys::Function {
    cap_after_first_frame_js(pc, limits.max_framerate, f64::from(limits.max_bitrate_bps))
}

fn configuration(ice_servers: &Array, relay_only: bool) -> RtcConfiguration {
    let config = RtcConfiguration::new();
    config.set_ice_servers(ice_servers);
    if relay_only {
        config.set_ice_transport_policy(RtcIceTransportPolicy::Relay);
    }
    config
}

/// Merges the app's ICE servers with the create response's `turn_servers` into one
/// `RTCIceServer` array (the app's first).
pub fn merge_ice_servers(user: &Array, turn_servers: &[overshoot_protocol::IceServer]) -> Array {
    let all = Array::new();
    for entry in user.iter() {
        all.push(&entry);
    }
    for server in turn_servers {
        let entry = Object::new();
        let urls: Array = server
            .urls
            .to_vec()
            .iter()
            .map(|u| JsValue::from_str(u))
            .collect();
        let _ = Reflect::set(&entry, &"urls".into(), &urls);
        if let Some(u) = &server.username {
            let _ = Reflect::set(&entry, &"username".into(), &u.into());
        }
        if let Some(c) = &server.credential {
            let _ = Reflect::set(&entry, &"credential".into(), &c.into());
        }
        all.push(&entry);
    }
    all
}
