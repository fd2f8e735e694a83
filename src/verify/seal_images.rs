//! Seal images as a validation renders them from the template in an e-seal credential, to
//! compare their hash with the police filing: rendered once per template. The canonical SVG
//! is a function of the template alone, so the template's SHA-256 names it; rendering was a
//! fifth of a seal-signature validation.

use std::sync::Arc;

use super::bounded::Bounded;
use crate::seal::template::SealTemplate;

/// At most this many templates' images are remembered.
const CAPACITY: usize = 1024;

/// A template's canonical SVG and that SVG's SHA-256 (hex).
pub struct Rendered {
    pub svg: String,
    pub image_sha256: String,
    pub template_sha256: String,
}

pub struct SealImages(Bounded<String, Arc<Rendered>>);

impl Default for SealImages {
    fn default() -> Self {
        SealImages(Bounded::new(CAPACITY))
    }
}

impl SealImages {
    pub fn render(&self, template: &SealTemplate) -> Arc<Rendered> {
        let template_sha256 = template.template_sha256();
        if let Some(hit) = self.0.get(&template_sha256) {
            return hit;
        }
        let svg = template.render_svg();
        let image_sha256 = hex::encode(ring::digest::digest(&ring::digest::SHA256, svg.as_bytes()));
        let rendered = Arc::new(Rendered {
            svg,
            image_sha256,
            template_sha256: template_sha256.clone(),
        });
        self.0.put(template_sha256, rendered.clone());
        rendered
    }
}
