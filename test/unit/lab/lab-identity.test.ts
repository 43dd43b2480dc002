import { expect } from 'chai';
import { LabIdentity, randomLabId, validateLabId } from '../../lab/lab-identity.js';
import { NODE_IMAGE_RECIPE, recipeKey } from '../../lab/node-image.js';

describe('lab identity', () => {
  it('derives names that fit Linux interface names (15 chars) and carry the lab id', () => {
    const lab = new LabIdentity(randomLabId(), 150);
    const n = lab.node(20);
    for (const ifname of [n.hostVeth, n.nodeVethTmp, n.bridgePort, n.bridgeVethTmp]) {
      expect(ifname.length).to.be.at.most(15);
      expect(ifname.startsWith(lab.linkPrefix)).to.equal(true);
    }
    expect(n.netns.startsWith(lab.netnsPrefix)).to.equal(true);
    expect(n.hostAddress).to.equal('127.150.20.1');
    expect(n.nodeAddress).to.equal('127.150.20.2');
    expect(n.bridgeAddress).to.equal('127.150.0.20');
  });

  it('rejects ids and octets that could collide or escape', () => {
    expect(() => validateLabId('../x')).to.throw(/lab id/);
    expect(() => validateLabId('abcdefg')).to.throw(/lab id/);
    expect(() => new LabIdentity('ok', 0)).to.throw(/octet/);
    expect(() => new LabIdentity('ok', 255)).to.throw(/octet/);
    expect(() => new LabIdentity('ok', 100).node(0)).to.throw(/node index/);
  });

  it('keys the node image by its recipe', () => {
    expect(recipeKey(NODE_IMAGE_RECIPE)).to.equal(recipeKey({ ...NODE_IMAGE_RECIPE }));
    expect(recipeKey({ ...NODE_IMAGE_RECIPE, include: [...NODE_IMAGE_RECIPE.include, 'curl'] })).to.not.equal(recipeKey(NODE_IMAGE_RECIPE));
  });
});
